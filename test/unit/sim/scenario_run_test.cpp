// Running scenarios: the outputs are there and well-formed (pcap header and records, CSV
// columns), one scenario and one seed give byte-identical files, another seed with loss gives
// different ones, and every file in examples/scenarios/ runs.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "csv_sanity.hpp"
#include "sim/run_scenario.hpp"
#include "sim/scenario.hpp"

using namespace multios::net;
using namespace multios::net::sim;
using namespace std::chrono_literals;

namespace multios::net::sim_scenario_test {
namespace {

namespace fs = std::filesystem;

/// A fresh directory under the temp dir, removed when the test ends.
struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& tag) {
        path = fs::temp_directory_path() / ("multios-sim-" + tag + "-" + std::to_string(getpid()));
        fs::remove_all(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

ScenarioFile scenario(const std::string& text) {
    auto r = parse_scenario(text, "run.toml");
    if (auto* e = std::get_if<ScenarioError>(&r)) {
        FAIL(e->message);
    }
    return std::get<ScenarioFile>(std::move(r));
}

const char* const kLossyBulk = R"(
[simulation]
duration = "4s"
sample_interval = "100ms"
[[node]]
name = "a"
addresses = ["10.5.0.1/24"]
[[node]]
name = "b"
addresses = ["10.5.0.2/24"]
[[link]]
a = "a"
b = "b"
rate = "10Mbit"
delay = "10ms"
queue = 40
loss = 0.01
snaplen = 80
[[app]]
kind = "tcp_bulk"
name = "bulk"
from = "a"
to = "b"
[[app]]
kind = "ping"
from = "b"
to = "a"
interval = "250ms"
)";

std::uint32_t le32(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
        v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
    }
    return v;
}

} // namespace
} // namespace multios::net::sim_scenario_test

using namespace multios::net::sim_scenario_test;

TEST_CASE("a scenario run writes pcap, flows.csv, links.csv and a summary", "[sim_scenario]") {
    TempDir dir("outputs");
    const ScenarioFile s = scenario(kLossyBulk);
    auto r = run_scenario(s, SimulateOptions{std::nullopt, dir.path.string(), std::nullopt, {}});
    REQUIRE(r);
    CHECK(r->files.size() == 4); // a-b.pcap, flows.csv, links.csv, summary.txt
    REQUIRE(r->flows.size() == 2);
    const FlowSummary& bulk = r->flows[0];
    INFO(format_summary(*r));
    CHECK(bulk.error.empty());
    CHECK(bulk.goodput_bps > 1e6); // 1% loss: well below the link rate, far above zero
    CHECK(bulk.goodput_bps < 10e6);
    CHECK(bulk.retransmits > 0);
    CHECK(r->flows[1].received > 10); // ping b -> a, 16 requests, a few may be lost
    REQUIRE(r->links.size() == 2);
    CHECK(r->links[0].counters.dropped_loss > 0);

    const std::string pcap = slurp(dir.path / "a-b.pcap");
    REQUIRE(pcap.size() > 24 + 16);
    CHECK(le32(pcap, 0) == 0xa1b23c4d); // nanosecond pcap
    CHECK(le32(pcap, 16) == 80);        // snap length
    CHECK(le32(pcap, 20) == 1);         // Ethernet
    CHECK(le32(pcap, 24) < 4);          // first record: seconds into the run
    const std::uint32_t captured = le32(pcap, 32), original = le32(pcap, 36);
    CHECK(captured <= 80);
    CHECK(captured <= original);

    std::istringstream flows(slurp(dir.path / "flows.csv"));
    std::string line;
    REQUIRE(std::getline(flows, line));
    CHECK(line == "time,flow,throughput_bps,cwnd,ssthresh,srtt_us,retransmits");
    int rows = 0;
    while (std::getline(flows, line)) {
        ++rows;
        CHECK(std::count(line.begin(), line.end(), ',') == 6);
    }
    CHECK(rows == 2 * 40); // two flows, every 100 ms for 4 s
    const std::string links = slurp(dir.path / "links.csv");
    CHECK(links.rfind("time,link,queue_len,drops\n", 0) == 0);
    CHECK(links.find("0.100000,a-b:a>b,") != std::string::npos);
    CHECK(slurp(dir.path / "summary.txt") == format_summary(*r));
}

TEST_CASE("same scenario and seed: byte-identical outputs; another seed differs",
          "[sim_scenario]") {
    const ScenarioFile s = scenario(kLossyBulk);
    TempDir one("det1"), two("det2"), other("det3");
    REQUIRE(run_scenario(s, SimulateOptions{5, one.path.string(), 2s, {}}));
    REQUIRE(run_scenario(s, SimulateOptions{5, two.path.string(), 2s, {}}));
    REQUIRE(run_scenario(s, SimulateOptions{6, other.path.string(), 2s, {}}));
    for (const char* f : {"a-b.pcap", "flows.csv", "links.csv", "summary.txt"}) {
        INFO(f);
        const std::string a = slurp(one.path / f);
        CHECK(!a.empty());
        CHECK(a == slurp(two.path / f));
    }
    CHECK(slurp(one.path / "a-b.pcap") != slurp(other.path / "a-b.pcap"));
    CHECK(slurp(one.path / "flows.csv") != slurp(other.path / "flows.csv"));
}

TEST_CASE("two TCP flows on one bottleneck share it; fairness index reported", "[sim_scenario]") {
    const ScenarioFile s = scenario(R"(
[simulation]
duration = "20s"
[[node]]
name = "l"
addresses = ["10.6.0.1/24"]
[[node]]
name = "r"
addresses = ["10.6.0.2/24"]
[[link]]
a = "l"
b = "r"
rate = "10Mbit"
delay = "10ms"
queue = 50
pcap = false
[[app]]
kind = "tcp_bulk"
from = "l"
to = "r"
[[app]]
kind = "tcp_bulk"
from = "l"
to = "r"
congestion = "newreno"
)");
    auto r = run_scenario(s, SimulateOptions{});
    REQUIRE(r);
    INFO(format_summary(*r));
    REQUIRE(r->tcp_fairness);
    const double total = r->flows[0].goodput_bps + r->flows[1].goodput_bps;
    CHECK(total > 0.85 * 10e6);
    CHECK(total <= 10e6);
    CHECK(*r->tcp_fairness > 0.6);
    CHECK(r->files.empty()); // no out_dir: summary only
}

TEST_CASE("every example scenario runs whole and its CSV passes the sanity check",
          "[sim_scenario]") {
    int ran = 0;
    for (const auto& entry : std::filesystem::directory_iterator(MULTIOS_SIM_SCENARIO_DIR)) {
        if (entry.path().extension() != ".toml") {
            continue;
        }
        INFO(entry.path().string());
        auto parsed = load_scenario(entry.path().string());
        if (auto* e = std::get_if<ScenarioError>(&parsed)) {
            FAIL(e->message);
        }
        const auto& s = std::get<ScenarioFile>(parsed);
        TempDir dir("example-" + entry.path().stem().string());
        // The whole run, as `simulate` does it: each takes well under a real second.
        auto r = run_scenario(s, SimulateOptions{std::nullopt, dir.path.string(), {}, {}});
        REQUIRE(r);
        INFO(format_summary(*r));
        REQUIRE(r->flows.size() == s.apps.size());
        for (std::size_t i = 0; i < s.apps.size(); ++i) {
            CHECK(r->flows[i].error.empty());
            if (s.apps[i].start < 2s) {
                CHECK(r->flows[i].bytes > 0); // every started flow got something through
            }
        }
        check_flows_csv(slurp(dir.path / "flows.csv"), s);
        check_links_csv(slurp(dir.path / "links.csv"), s);
        ++ran;
    }
    CHECK(ran >= 3);
}
