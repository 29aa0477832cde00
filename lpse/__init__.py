"""lpse-dc: provision and keep compliant the data centre behind an LPSE (Perbup Bandung 4/2017)."""

__version__ = "0.1.0"
