"""Reading county ledgers: files -> sheets -> recognised kind -> validated records."""
