// Parser and formatter for the conformance script language (grammar in script.hpp).
#include "script.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <sstream>

#include <multios/net/wire/tcp.hpp>

namespace multios::net::conformance_test {

namespace {

using namespace multios::net::wire::tcpflag;

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
        --e;
    return s.substr(b, e - b);
}

std::vector<std::string> split_words(const std::string& s, char extra = ' ') {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c)) || c == extra) {
            if (!cur.empty())
                out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty())
        out.push_back(cur);
    return out;
}

bool to_u32(const std::string& s, std::uint32_t& out) {
    if (s.empty())
        return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_flags(const std::string& w, std::uint8_t& flags) {
    flags = 0;
    for (char c : w) {
        switch (c) {
        case 'S':
            flags |= kSyn;
            break;
        case 'F':
            flags |= kFin;
            break;
        case 'R':
            flags |= kRst;
            break;
        case 'P':
            flags |= kPsh;
            break;
        case 'U':
            flags |= kUrg;
            break;
        case 'E':
            flags |= kEce;
            break;
        case 'W':
            flags |= kCwr;
            break;
        case '.':
            flags |= kAck;
            break;
        default:
            return false;
        }
    }
    return !w.empty();
}

/// "start:end(len)" or "start".
bool parse_seq(const std::string& w, SegmentSpec& s) {
    const auto colon = w.find(':');
    if (colon == std::string::npos)
        return to_u32(w, s.seq);
    const auto open = w.find('(', colon);
    if (open == std::string::npos || w.back() != ')')
        return false;
    std::uint32_t end = 0;
    if (!to_u32(w.substr(0, colon), s.seq) || !to_u32(w.substr(colon + 1, open - colon - 1), end) ||
        !to_u32(w.substr(open + 1, w.size() - open - 2), s.len))
        return false;
    return end - s.seq == s.len;
}

bool parse_opt_value(const std::string& w, std::optional<std::uint32_t>& out) {
    if (w == "*") {
        out.reset();
        return true;
    }
    std::uint32_t v = 0;
    if (!to_u32(w, v))
        return false;
    out = v;
    return true;
}

bool parse_one_option(const std::vector<std::string>& t, OptionSpec& o, std::string& error) {
    std::uint32_t v = 0;
    if (t[0] == "nop" || t[0] == "eol")
        return true;
    if (t[0] == "sackOK") {
        o.sack_permitted = true;
        return true;
    }
    if (t[0] == "mss" && t.size() == 2 && to_u32(t[1], v) && v <= 65535) {
        o.mss = static_cast<std::uint16_t>(v);
        return true;
    }
    if (t[0] == "wscale" && t.size() == 2 && to_u32(t[1], v) && v <= 255) {
        o.wscale = static_cast<std::uint8_t>(v);
        return true;
    }
    if (t[0] == "TS" && t.size() == 5 && t[1] == "val" && t[3] == "ecr") {
        o.timestamps = true;
        return parse_opt_value(t[2], o.ts_val) && parse_opt_value(t[4], o.ts_ecr);
    }
    if (t[0] == "sack" && t.size() >= 2) {
        for (std::size_t i = 1; i < t.size(); ++i) {
            const auto colon = t[i].find(':');
            std::uint32_t l = 0, r = 0;
            if (colon == std::string::npos || !to_u32(t[i].substr(0, colon), l) ||
                !to_u32(t[i].substr(colon + 1), r))
                return false;
            o.sack.emplace_back(l, r);
        }
        return true;
    }
    error = "bad option '" + t[0] + "'";
    return false;
}

bool parse_options(const std::string& body, OptionSpec& o, std::string& error) {
    std::stringstream ss(body);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto t = split_words(item);
        if (t.empty())
            continue;
        if (!parse_one_option(t, o, error)) {
            if (error.empty())
                error = "bad option '" + trim(item) + "'";
            return false;
        }
    }
    return true;
}

bool parse_u16_after(const std::vector<std::string>& w, std::size_t& i,
                     std::optional<std::uint16_t>& out) {
    std::uint32_t v = 0;
    if (i + 1 >= w.size() || !to_u32(w[i + 1], v) || v > 65535)
        return false;
    out = static_cast<std::uint16_t>(v);
    ++i;
    return true;
}

bool parse_time(const std::string& w, double previous, double& time, double& tolerance) {
    std::string t = w;
    const auto tilde = t.find('~');
    if (tilde != std::string::npos) {
        char* end = nullptr;
        tolerance = std::strtod(t.c_str() + tilde + 1, &end);
        if (*end != '\0')
            return false;
        t = t.substr(0, tilde);
    }
    const bool relative = !t.empty() && t[0] == '+';
    char* end = nullptr;
    const double v = std::strtod(t.c_str() + (relative ? 1 : 0), &end);
    if (t.empty() || *end != '\0' || v < 0)
        return false;
    time = relative ? previous + v : v;
    return true;
}

} // namespace

bool parse_segment(const std::string& text, SegmentSpec& out, std::string& error) {
    out = SegmentSpec{};
    std::string head = text;
    const auto lt = text.find('<');
    if (lt != std::string::npos) {
        const auto gt = text.rfind('>');
        if (gt == std::string::npos || gt < lt) {
            error = "unterminated option list";
            return false;
        }
        OptionSpec o;
        if (!parse_options(text.substr(lt + 1, gt - lt - 1), o, error))
            return false;
        out.options = o;
        head = text.substr(0, lt);
    }
    const auto w = split_words(head);
    if (w.size() < 2 || !parse_flags(w[0], out.flags) || !parse_seq(w[1], out)) {
        error = "expected FLAGS SEQ";
        return false;
    }
    for (std::size_t i = 2; i < w.size(); ++i) {
        std::uint32_t v = 0;
        if (w[i] == "ack" && i + 1 < w.size() && to_u32(w[i + 1], v)) {
            out.ack = v;
            ++i;
        } else if (w[i] == "win" && parse_u16_after(w, i, out.window)) {
        } else if (w[i] == "urg" && parse_u16_after(w, i, out.urgent)) {
        } else {
            error = "unexpected '" + w[i] + "'";
            return false;
        }
    }
    return true;
}

std::optional<Script> parse_script(const std::string& name, const std::string& text,
                                   std::string& error) {
    Script s;
    s.name = name;
    std::istringstream in(text);
    std::string raw;
    int number = 0;
    double previous = 0;
    while (std::getline(in, raw)) {
        ++number;
        const std::string line = trim(raw);
        const auto fail = [&](const std::string& why) {
            error = "line " + std::to_string(number) + ": " + why + ": " + line;
        };
        if (line.empty())
            continue;
        if (line[0] == '#') {
            const auto body = trim(line.substr(1));
            if (body.rfind("xfail:", 0) == 0)
                s.xfail = trim(body.substr(6));
            continue;
        }
        auto words = split_words(line);
        if (words[0] == "config") {
            for (std::size_t i = 1; i < words.size(); ++i) {
                const auto eq = words[i].find('=');
                if (eq == std::string::npos) {
                    fail("config wants key=value");
                    return std::nullopt;
                }
                s.config.emplace_back(words[i].substr(0, eq), words[i].substr(eq + 1));
            }
            continue;
        }
        ScriptLine l;
        l.number = number;
        l.text = line;
        if (!parse_time(words[0], previous, l.time, l.tolerance)) {
            fail("bad time");
            return std::nullopt;
        }
        previous = l.time;
        const auto rest = trim(line.substr(line.find(words[0]) + words[0].size()));
        if (!rest.empty() && (rest[0] == '<' || rest[0] == '>')) {
            l.kind = rest[0] == '<' ? LineKind::kInject : LineKind::kExpect;
            std::string why;
            if (!parse_segment(rest.substr(1), l.segment, why)) {
                fail(why);
                return std::nullopt;
            }
        } else {
            words.erase(words.begin());
            if (words.empty()) {
                fail("nothing after the time");
                return std::nullopt;
            }
            l.words = words;
        }
        s.lines.push_back(std::move(l));
    }
    return s;
}

std::string format_segment(const SegmentSpec& s) {
    std::string f;
    const std::pair<std::uint8_t, char> names[] = {{kSyn, 'S'}, {kFin, 'F'}, {kRst, 'R'},
                                                   {kPsh, 'P'}, {kUrg, 'U'}, {kEce, 'E'},
                                                   {kCwr, 'W'}, {kAck, '.'}};
    for (const auto& [bit, c] : names)
        if (s.flags & bit)
            f += c;
    std::ostringstream o;
    o << (f.empty() ? "-" : f) << ' ' << s.seq << ':' << (s.seq + s.len) << '(' << s.len << ')';
    if (s.ack)
        o << " ack " << *s.ack;
    if (s.window)
        o << " win " << *s.window;
    if (s.urgent)
        o << " urg " << *s.urgent;
    if (s.options) {
        const auto& p = *s.options;
        std::vector<std::string> items;
        if (p.mss) {
            std::ostringstream t;
            t << "mss " << *p.mss;
            items.push_back(t.str());
        }
        if (p.sack_permitted)
            items.push_back("sackOK");
        // Built with streams: g++ 12 -O3 reports a false -Wrestrict on `"x" + std::string`.
        const auto num = [](const std::optional<std::uint32_t>& v) {
            return v ? std::to_string(*v) : std::string("*");
        };
        if (p.timestamps) {
            std::ostringstream t;
            t << "TS val " << num(p.ts_val) << " ecr " << num(p.ts_ecr);
            items.push_back(t.str());
        }
        if (p.wscale) {
            std::ostringstream t;
            t << "wscale " << unsigned{*p.wscale};
            items.push_back(t.str());
        }
        if (!p.sack.empty()) {
            std::ostringstream t;
            t << "sack";
            for (const auto& [l, r] : p.sack)
                t << ' ' << l << ':' << r;
            items.push_back(t.str());
        }
        o << " <";
        for (std::size_t i = 0; i < items.size(); ++i)
            o << (i ? "," : "") << items[i];
        o << '>';
    }
    return o.str();
}

} // namespace multios::net::conformance_test
