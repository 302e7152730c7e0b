"""Serving a deployed version: the desired state it follows (desired), the V2 inference protocol
(v2) and a client for it (client), the local MLServer target (local/) and the KServe manifests."""
