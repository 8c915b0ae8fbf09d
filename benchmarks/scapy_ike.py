"""The plain scapy way of listing the IKE messages of a capture, to compare ikescope with.

Prints, for each frame scapy dissects as ISAKMP, the frame number, initiator SPI,
responder SPI and exchange type, tab-separated: the fields of

    tshark -r FILE -Y isakmp -T fields -e frame.number -e isakmp.ispi -e isakmp.rspi -e isakmp.exchangetype

scapy reads UDP 4500 through its NON_ESP layer (the zero marker, RFC 3948) on its own.
Nothing is tuned: this is the script a person would write.

    python benchmarks/scapy_ike.py FILE
"""

from __future__ import annotations

import argparse

import scapy.layers.inet6  # noqa: F401  (IPv6 dissection, as scapy.all would load it)
from scapy.layers.isakmp import ISAKMP
from scapy.utils import PcapReader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    args = parser.parse_args()
    with PcapReader(args.file) as packets:
        for number, packet in enumerate(packets, 1):
            ike = packet.getlayer(ISAKMP)
            if ike is not None:
                print(number, ike.init_cookie.hex(), ike.resp_cookie.hex(), ike.exch_type, sep="\t")


if __name__ == "__main__":
    main()
