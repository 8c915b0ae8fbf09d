"""The tshark export loader on small hand-written exports, so a conformance
failure can be trusted to come from the decoder and not from the loader."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.tshark_ref import load_decrypted, load_reference, matches

# tshark -T json repeats keys: two payloads, each with its own "isakmp.typepayload".
SA_INIT_JSON = """[{"_source": {"layers": {
  "frame": {"frame.number": "7"},
  "isakmp": {
    "isakmp.ispi": "01:02:03:04:05:06:07:08", "isakmp.rspi": "00:00:00:00:00:00:00:00",
    "isakmp.nextpayload": "33", "isakmp.version": "0x20", "isakmp.exchangetype": "34",
    "isakmp.flags": "0x08", "isakmp.messageid": "0x00000000", "isakmp.length": "100",
    "isakmp.typepayload": "33",
    "isakmp.typepayload_tree": {
      "isakmp.typepayload": "2",
      "isakmp.typepayload_tree": {
        "isakmp.prop.number": "1", "isakmp.prop.protoid": "1",
        "isakmp.typepayload": "3",
        "isakmp.typepayload_tree": {"isakmp.tf.type": "1", "isakmp.tf.id.encr": "20",
          "isakmp.ike2.attr": {"isakmp.ike2.attr.format": "1", "isakmp.ike2.attr.type": "14",
                               "isakmp.ike2.attr.value": "01:00", "isakmp.ike2.attr.key_length": "256"}},
        "isakmp.typepayload": "3",
        "isakmp.typepayload_tree": {"isakmp.tf.type": "4", "isakmp.tf.id.dh": "19"}
      }
    },
    "isakmp.typepayload": "34",
    "isakmp.typepayload_tree": {"isakmp.key_exchange.dh_group": "19"},
    "isakmp.typepayload": "41",
    "isakmp.typepayload_tree": {"isakmp.notify.msgtype": "16388"}
  }
}}}]"""


def test_json_keeps_every_repeated_payload(tmp_path: Path) -> None:
    cap = tmp_path / "x.pcap"
    (tmp_path / "x.pcap.tshark.json").write_text(SA_INIT_JSON)
    ref = load_reference(cap)
    assert list(ref) == [7]
    (m,) = ref[7]
    assert (m["ispi"], m["version"], m["exchange"], m["flags"], m["length"]) == ("0102030405060708", 0x20, 34, 8, 100)
    assert m["chain"] == ((33, None, 0), (34, None, 0), (41, None, 0))  # no payloadlength in this export
    assert m["proposals"] == ((1, 1, ((0, 1, 20, ((14, 256),)), (0, 4, 19, ()))),)
    assert (m["ke_groups"], m["notify_types"]) == ((19,), (16388,))


def test_json_array_of_messages(tmp_path: Path) -> None:
    one = json.loads(SA_INIT_JSON)[0]["_source"]["layers"]["isakmp"]  # keeps only the last payload: fine here
    doc = [{"_source": {"layers": {"frame": {"frame.number": "3"}, "isakmp": [one, one]}}}]
    (tmp_path / "y.pcap.tshark.json").write_text(json.dumps(doc))
    assert len(load_reference(tmp_path / "y.pcap")[3]) == 2


def test_json_skips_messages_quoted_in_icmp_errors(tmp_path: Path) -> None:
    doc = json.loads(SA_INIT_JSON)
    layers = doc[0]["_source"]["layers"]
    layers["frame"]["frame.protocols"] = "eth:ethertype:ip:icmp:ip:udp:isakmp"
    (tmp_path / "i.pcap.tshark.json").write_text(json.dumps(doc))
    assert load_reference(tmp_path / "i.pcap") == {}


def test_tsv_rebuilds_proposals_from_the_type_column(tmp_path: Path) -> None:
    cols = ["frame.number", "isakmp.ispi", "isakmp.rspi", "isakmp.version", "isakmp.exchangetype",
            "isakmp.flags", "isakmp.messageid", "isakmp.length", "isakmp.typepayload", "isakmp.notify.msgtype",
            "isakmp.prop.number", "isakmp.prop.protoid", "isakmp.tf.type", "isakmp.trans.id"]
    row = ["12", "b64ef32131a48952", "0000000000000000", "0x20", "34", "0x08", "0x00000000", "776",
           "33,2,3,3,2,3,34,41", "16388", "1,2", "1,1", "1,4,1", ""]
    skipped = ["13"] + [""] * (len(cols) - 1)  # a frame tshark saw without ISAKMP fields
    (tmp_path / "z.pcap.tshark.fields.tsv").write_text(
        "\n".join("\t".join(r) for r in (cols, row, skipped)) + "\n")
    ref = load_reference(tmp_path / "z.pcap")
    assert list(ref) == [12]
    (m,) = ref[12]
    assert m["chain"] == ((33, None, None), (34, None, None), (41, None, None)) and m["notify_types"] == (16388,)
    assert m["proposals"] == ((1, 1, ((0, 1, None, None), (0, 4, None, None))), (2, 1, ((0, 1, None, None),)))


def test_all_json_means_no_isakmp_and_missing_means_none(tmp_path: Path) -> None:
    (tmp_path / "a.pcap.tshark.all.json").write_text("[]")
    assert load_reference(tmp_path / "a.pcap") == {}
    assert load_reference(tmp_path / "b.pcap") is None


def test_matches_treats_none_as_not_exported() -> None:
    assert matches(((0, 1, 20),), ((0, 1, None),))
    assert not matches(((0, 1, 20),), ((0, 2, None),))
    assert not matches(((0, 1, 20), (0, 2, 5)), ((0, 1, None),))
    assert not matches(None, (33,))


def test_decrypted_sk_contents_and_empty_sk(tmp_path: Path) -> None:
    """An SK that decrypts to nothing (a liveness check) still counts, with an empty chain."""
    contained = """{
        "isakmp.typepayload": "35",
        "isakmp.typepayload_tree": {"isakmp.payloadlength": "12", "isakmp.criticalpayload": "0",
                                    "isakmp.id.type": "1", "isakmp.id.data": "c0:00:02:01"},
        "isakmp.typepayload": "44",
        "isakmp.typepayload_tree": {"isakmp.payloadlength": "24", "isakmp.criticalpayload": "0",
            "isakmp.ts.data": {"isakmp.ts.type": "7", "isakmp.ts.protoid": "0", "isakmp.ts.start_port": "0",
                               "isakmp.ts.end_port": "65535", "isakmp.ts.start_ipv4": "10.0.0.0",
                               "isakmp.ts.end_ipv4": "10.0.0.255"}}}"""
    sk = '{"isakmp.typepayload": "46", "isakmp.typepayload_tree": {"isakmp.enc.decrypted": %s}}'
    frame = '{"_source": {"layers": {"frame": {"frame.number": "%s"}, "isakmp": %s}}}'
    doc = "[%s, %s]" % (frame % (5, sk % ('{"isakmp.enc.contained": %s}' % contained)),
                        frame % (6, sk % '{"isakmp.enc.pad_length": "7"}'))
    (tmp_path / "d.pcap.tshark.decrypted.json").write_text(doc)
    ref = load_decrypted(tmp_path / "d.pcap")
    (inner,) = ref[5]
    assert inner["chain"] == ((35, 12, 0), (44, 24, 0))
    assert inner["ids"] == ((1, "c0000201"),)
    assert inner["selectors"] == (((7, 0, 0, 65535, "10.0.0.0", "10.0.0.255"),),)
    (empty,) = ref[6]
    assert empty["chain"] == () and empty["selectors"] == ()


def test_decrypted_v1_body_and_undecrypted_v1(tmp_path: Path) -> None:
    """IKEv1: "isakmp.enc.data" is a payload tree once decrypted, the ciphertext string otherwise."""
    clear = ('{"isakmp.version": "0x10", "isakmp.enc.data": {"isakmp.typepayload": "14", "isakmp.typepayload_tree": '
             '{"isakmp.payloadlength": "12", "isakmp.cfg.type": "1", "isakmp.cfg.attr": {"isakmp.cfg.attr.type": '
             '"16521"}}}}')
    opaque = '{"isakmp.version": "0x10", "isakmp.enc.data": "de:ad:be:ef"}'
    frame = '{"_source": {"layers": {"frame": {"frame.number": "%s"}, "isakmp": %s}}}'
    (tmp_path / "v1.pcap.tshark.decrypted.json").write_text("[%s, %s]" % (frame % (9, clear), frame % (10, opaque)))
    ref = load_decrypted(tmp_path / "v1.pcap")
    assert list(ref) == [9]
    assert ref[9][0]["chain"] == ((14, 12, 0),) and ref[9][0]["configs"] == ((1, (16521,)),)
