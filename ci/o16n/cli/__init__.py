"""The command line: the only code that sees argparse or prints. `o16n.cli.main` dispatches to
`o16n.cli.commands.<name>`, each of which unpacks its flags, calls one service and reports."""
