#include "sim/series_recorder.hpp"

#include <cerrno>

#include <fmt/format.h>

namespace multios::net::sim {

std::uint64_t total_drops(const LinkCounters& c) {
    return c.dropped_queue + c.dropped_red + c.dropped_loss + c.dropped_mtu + c.dropped_in_flight +
           c.dropped_no_buffer;
}

namespace {
std::string seconds(Duration d) {
    const std::int64_t ns = d.count();
    return fmt::format("{}.{:06}", ns / 1'000'000'000, (ns % 1'000'000'000) / 1000);
}
} // namespace

SeriesRecorder::SeriesRecorder(EventScheduler& scheduler, Instant origin, Duration interval)
    : scheduler_(scheduler), origin_(origin), interval_(interval) {}

Result<std::unique_ptr<SeriesRecorder>> SeriesRecorder::open(const std::string& dir,
                                                             EventScheduler& scheduler,
                                                             Instant origin, Duration interval,
                                                             std::vector<const ScenarioApp*> flows,
                                                             std::vector<LinkRow> links) {
    std::unique_ptr<SeriesRecorder> r(new SeriesRecorder(scheduler, origin, interval));
    r->flows_csv_ = std::fopen((dir + "/flows.csv").c_str(), "wb");
    if (r->flows_csv_ == nullptr) {
        return fail(errno);
    }
    r->links_csv_ = std::fopen((dir + "/links.csv").c_str(), "wb");
    if (r->links_csv_ == nullptr) {
        return fail(errno);
    }
    r->write(r->flows_csv_, "time,flow,throughput_bps,cwnd,ssthresh,srtt_us,retransmits\n");
    r->write(r->links_csv_, "time,link,queue_len,drops\n");
    r->flows_ = std::move(flows);
    r->last_bytes_.assign(r->flows_.size(), 0);
    r->links_ = std::move(links);
    scheduler.schedule(origin + interval, *r, 0);
    return r;
}

SeriesRecorder::~SeriesRecorder() {
    (void)close();
}

void SeriesRecorder::write(std::FILE* f, const std::string& line) {
    if (f != nullptr && error_ == 0 && std::fputs(line.c_str(), f) < 0) {
        error_ = errno != 0 ? errno : EIO;
    }
}

void SeriesRecorder::on_event(Instant now, std::uint64_t) {
    ++samples_;
    const std::string t = seconds(now - origin_);
    for (std::size_t i = 0; i < flows_.size(); ++i) {
        const FlowSample s = flows_[i]->sample();
        const std::uint64_t delta = s.delivered_bytes - last_bytes_[i];
        last_bytes_[i] = s.delivered_bytes;
        const auto bps = static_cast<std::uint64_t>(static_cast<unsigned __int128>(delta) * 8 *
                                                    1'000'000'000ULL /
                                                    static_cast<std::uint64_t>(interval_.count()));
        std::string tcp_cols = ",,,";
        if (s.tcp) {
            tcp_cols = fmt::format("{},{},{},{}", s.tcp->cwnd, s.tcp->ssthresh,
                                   s.tcp->srtt.count() / 1000, s.tcp->total_retrans);
        } else if (s.rtt) {
            tcp_cols = fmt::format(",,{},", s.rtt->count() / 1000);
        }
        write(flows_csv_, fmt::format("{},{},{},{}\n", t, flows_[i]->spec().name, bps, tcp_cols));
    }
    for (const LinkRow& l : links_) {
        write(links_csv_, fmt::format("{},{},{},{}\n", t, l.name, l.link->queue_length(),
                                      total_drops(l.link->counters())));
    }
    // Computed from the origin, not accumulated: no drift over long runs.
    scheduler_.schedule(origin_ + interval_ * static_cast<Duration::rep>(samples_ + 1), *this, 0);
}

Result<void> SeriesRecorder::close() {
    for (std::FILE** f : {&flows_csv_, &links_csv_}) {
        if (*f != nullptr) {
            if (std::fclose(*f) != 0 && error_ == 0) {
                error_ = errno != 0 ? errno : EIO;
            }
            *f = nullptr;
        }
    }
    if (error_ != 0) {
        return fail(error_);
    }
    return {};
}

} // namespace multios::net::sim
