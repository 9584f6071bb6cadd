"""Command groups; each module adds its commands to the Typer app."""


def register_all(app) -> None:
    from . import audit_cmd, demo_cmd, import_cmd, report_cmd, sample_cmd
    import_cmd.register(app)
    audit_cmd.register(app)
    sample_cmd.register(app)
    report_cmd.register(app)
    demo_cmd.register(app)
