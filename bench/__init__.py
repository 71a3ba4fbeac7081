"""`make bench`: the project's speed measured against the machine's floor and a peer (issue 6)."""
