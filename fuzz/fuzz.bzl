"""One libFuzzer target: its entry point, the live fuzzer and the regression replay."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def fuzz_target(name, srcs, deps, linkopts = []):
    """Declares `<name>_entry`, `<name>_fuzzer` and `<name>_replay`.

    `<name>_fuzzer` links libFuzzer's main and builds only with --config=fuzz (tools/fuzz.sh);
    `<name>_replay` runs the same entry point over the saved inputs in `fuzz/<name>/` with the
    normal toolchain, as a test.
    """
    cc_library(
        name = name + "_entry",
        srcs = srcs,
        deps = deps,
        linkopts = linkopts,
        alwayslink = True,
    )
    cc_binary(
        name = name + "_fuzzer",
        deps = [":" + name + "_entry"],
        tags = ["manual"],
    )
    cc_test(
        name = name + "_replay",
        size = "small",
        srcs = ["replay_main.cc"],
        args = ["fuzz/" + name],
        data = native.glob([name + "/**"]),
        deps = [":" + name + "_entry"],
    )
