"""The commands, one module per group, each a few lines around the library: parse options,
call zjsafety.<stage>, render. Registered in the order of the work."""


def register_all(app) -> None:
    from zjsafety.commands import (audit_cmd, demo_cmd, find_cmd, import_cmd, merge_cmd, report_cmd, sample_cmd,
                                   setup_cmd)
    for module in (setup_cmd, import_cmd, audit_cmd, sample_cmd, report_cmd, merge_cmd, find_cmd, demo_cmd):
        module.register(app)
