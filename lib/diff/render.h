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
/// With `max_lines` > 0 the output has at most that many lines (at least 3): the first ones,
/// then one line saying how many were left out, then the summary line.
[[nodiscard]] std::string render_text(const DiffReport& report, Color color = Color::no,
                                      size_t max_lines = 0);

/// GitHub refuses a comment over 65,536 characters.
inline constexpr size_t k_github_comment_limit = 65536;
/// The default size limit of the Markdown output, in bytes (UTF-8, so never fewer bytes than
/// characters): under GitHub's limit with room for what a CI job adds around it.
inline constexpr size_t k_markdown_max_bytes = 60000;

/// GitHub-flavoured Markdown for a pull-request comment, at most `max_bytes` bytes (values below
/// 2,048 count as 2,048): the inputs, a summary line and a summary table (one row per environment
/// and platform, one column per kind that occurs), a warning block listing hash changes, then
/// one table per environment and platform; tables of more than `k_fold_rows` rows are folded in
/// `<details>`. What does not fit is cut: the table being written ends with a row counting the
/// changes left out, later tables are left out, and a closing note says how many changes and
/// tables are missing.
[[nodiscard]] std::string render_markdown(const DiffReport& report,
                                          size_t max_bytes = k_markdown_max_bytes);
inline constexpr size_t k_fold_rows = 10;

/// JSON with stable field names (schemas/diff-report.schema.json), two-space indented.
[[nodiscard]] std::string render_json(const DiffReport& report);

/// The name conda gives a channel URL (lib/channel): "https://conda.anaconda.org/conda-forge" →
/// "conda-forge", "https://repo.anaconda.com/pkgs/main" → "pkgs/main"; other channels unchanged.
std::string short_channel(const std::string& channel);

}  // namespace envlock::diff
