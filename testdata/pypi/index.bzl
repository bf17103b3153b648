"""The test PyPI index as a Bazel tree artifact (a directory output) that tests can depend on."""

def _pypi_index_impl(ctx):
    out = ctx.actions.declare_directory(ctx.attr.name)
    ctx.actions.run_shell(
        inputs = [ctx.file.script],
        outputs = [out],
        # Debian's python3 reads /usr/share/python-wheels and /usr/lib/python3/dist-packages.
        command = "/usr/bin/python3 {script} --out {out}".format(
            script = ctx.file.script.path,
            out = out.path,
        ),
        use_default_shell_env = True,
        mnemonic = "PypiIndex",
        progress_message = "Building the test PyPI index",
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

pypi_index = rule(
    implementation = _pypi_index_impl,
    attrs = {
        "script": attr.label(allow_single_file = [".py"], mandatory = True),
    },
)
