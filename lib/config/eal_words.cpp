// EAL argument words in a configuration file: split like the command line's --eal, and the
// words refused because they choose lcores (the `lcores` key owns that choice, CONTRACTS.md).
#include "config/stack_config_file.hpp"

namespace multios::net::config {

std::optional<std::vector<std::string>> eal_words(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    bool in_word = false;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < text.size())
                cur += text[++i];
            else
                cur += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            cur += text[++i];
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word)
                out.push_back(std::move(cur));
            cur.clear();
            in_word = false;
        } else {
            cur += c;
            in_word = true;
        }
    }
    if (quote)
        return std::nullopt;
    if (in_word)
        out.push_back(std::move(cur));
    return out;
}

std::optional<std::string> refused_eal_word(std::string_view w) {
    // Same rule as the command line's --eal: -l, -c and --lcores pick the cores themselves.
    if (w == "--lcores" || w.starts_with("--lcores="))
        return std::string("use lcores = N in [stack], not --lcores inside eal");
    if (w.starts_with("-l") && !w.starts_with("--"))
        return std::string("use lcores = N in [stack], not -l inside eal");
    if (w.starts_with("-c") && !w.starts_with("--"))
        return std::string("use lcores = N in [stack], not -c (core mask) inside eal");
    return std::nullopt;
}

} // namespace multios::net::config
