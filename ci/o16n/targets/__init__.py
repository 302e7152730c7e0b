"""Deployment targets: each module renders one runtime's manifests from the desired state."""
