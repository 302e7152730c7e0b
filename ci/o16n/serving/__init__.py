"""Serving a deployed version: the V2 inference protocol, the local MLServer target (local/)
and the KServe manifests."""
