"""Paper Atlas: a static knowledge-site generator for daily ML paper digests."""

__version__ = "0.1.0"
