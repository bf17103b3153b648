"""envlock_tool: the two targets every tools/<tool> folder has."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library")

def envlock_tool(name, deps):
    """`:command` (command.cc: CLI11 -> Options -> the library's run() -> exit code), which the
    envlock front links, and the stand-alone binary `name` (main.cc).

    Args:
      name: the tool, as in `envlock <name>`.
      deps: what command.cc uses (its library module, //lib/util, ...); //tools/common:cli is
        always added.
    """
    cc_library(
        name = "command",
        srcs = ["command.cc"],
        hdrs = ["command.h"],
        visibility = ["//tools/envlock:__pkg__"],
        deps = deps + ["//tools/common:cli"],
    )
    cc_binary(
        name = name,
        srcs = ["main.cc"],
        visibility = ["//visibility:public"],
        deps = [
            ":command",
            "//tools/common:cli",
        ],
    )
