"""The demo channel as a Bazel tree artifact (a directory output) that tests can depend on."""

def _demo_channel_impl(ctx):
    out = ctx.actions.declare_directory(ctx.attr.name)
    ctx.actions.run_shell(
        inputs = [ctx.file.script],
        outputs = [out],
        # Debian's python3 and zstd; the default shell environment gives their PATH.
        command = "/usr/bin/python3 {script} --out {out}".format(
            script = ctx.file.script.path,
            out = out.path,
        ),
        use_default_shell_env = True,
        mnemonic = "DemoChannel",
        progress_message = "Building the demo conda channel",
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

demo_channel = rule(
    implementation = _demo_channel_impl,
    attrs = {
        "script": attr.label(allow_single_file = [".py"], mandatory = True),
    },
)
