"""ikescope: explains IKE/ISAKMP negotiations found in packet captures."""

__version__ = "0.1.0"
