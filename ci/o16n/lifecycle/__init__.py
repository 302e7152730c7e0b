"""What happens to a model, in order: new, check, release, deploy and rollback, ledger, timeline,
monitor. Services that take typed values and return data; the CLI renders and prints them."""
