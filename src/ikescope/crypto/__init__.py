"""Opening encrypted IKE messages: ``keys`` reads Wireshark's key tables into a
``KeyStore``, ``decrypt`` fills ``IkeMessage.inner`` from it, and ``certs``
reads the certificates that decryption makes visible."""
