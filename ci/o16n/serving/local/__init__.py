"""The local serving target: MLServer processes behind one router, reconciled to git.

backend (one MLServer for one version) < router (one address, the active backend behind it)
< reconciler (follows the desired state, switches blue-green, publishes status) < daemon (the
`o16n serve` process: pid file, detach, sync, stop).
"""
