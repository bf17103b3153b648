"""A folder made by one of our Python scripts (`SCRIPT --out DIR`) as a Bazel tree artifact (a
directory output) that tests can depend on: the demo channel, the test PyPI index."""

def _script_tree_impl(ctx):
    out = ctx.actions.declare_directory(ctx.attr.name)
    ctx.actions.run_shell(
        inputs = [ctx.file.script],
        outputs = [out],
        # Debian's python3 (it reads /usr/share/python-wheels and /usr/lib/python3/dist-packages
        # for the PyPI index) and zstd; the default shell environment gives their PATH.
        command = "/usr/bin/python3 {script} --out {out}".format(
            script = ctx.file.script.path,
            out = out.path,
        ),
        use_default_shell_env = True,
        mnemonic = ctx.attr.mnemonic,
        progress_message = "Building " + ctx.attr.what,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

script_tree = rule(
    implementation = _script_tree_impl,
    attrs = {
        "script": attr.label(allow_single_file = [".py"], mandatory = True),
        "mnemonic": attr.string(mandatory = True),
        "what": attr.string(mandatory = True),
    },
)
