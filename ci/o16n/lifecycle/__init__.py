"""What happens to a model, in order: new (generation), check (a pull request's steps),
pull_request (its report and status on GitHub), release, deploy and rollback, ledger, timeline,
monitor. Services that take typed values and return data; the CLI renders and prints them."""
