#pragma once
// The diff report for people (aligned text, optionally coloured), for pull-request comments
// (Markdown) and for machines (JSON, schemas/diff-report.schema.json). All three are
// deterministic: the same report gives byte-identical text.

#include <string>

#include "lib/diff/diff.h"

namespace envlock::diff {

/// Whether text output carries ANSI colours (the caller decides, e.g. with isatty).
enum class Color { no, yes };

/// Aligned text: a header naming both inputs, one block per environment and platform with one
/// row per changed package (kind, name, before, after or detail), hash changes marked
/// SUSPICIOUS, one-sided environments and platforms, and a final `summary:` line counting
/// every kind.
[[nodiscard]] std::string render_text(const DiffReport& report, Color color = Color::no);

/// GitHub-flavoured Markdown: a summary, a warning block listing hash changes, and one table
/// per environment and platform; tables of more than `k_fold_rows` rows are folded in
/// `<details>`.
[[nodiscard]] std::string render_markdown(const DiffReport& report);
inline constexpr size_t k_fold_rows = 10;

/// JSON with stable field names (schemas/diff-report.schema.json), two-space indented.
[[nodiscard]] std::string render_json(const DiffReport& report);

/// The name conda gives a channel URL (lib/channel): "https://conda.anaconda.org/conda-forge" →
/// "conda-forge", "https://repo.anaconda.com/pkgs/main" → "pkgs/main"; other channels unchanged.
std::string short_channel(const std::string& channel);

}  // namespace envlock::diff
