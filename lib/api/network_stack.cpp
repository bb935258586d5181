#include <multios/net/network_stack.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "api/engine.hpp"
#include "api/interface_state.hpp"
#include "api/stack_config_loader.hpp"

namespace multios::net {

namespace {

std::atomic<NetworkStack*> g_default{nullptr};
std::atomic<bool> g_started{false}; // EAL runs once per process

} // namespace

struct NetworkStack::Impl {
    StackOptions options;
    mutable std::mutex mutex;
    std::deque<NetworkInterface> interfaces; // deque: get_interface pointers stay valid
    std::optional<Ipv4Address> gateway_v4;
    std::optional<Ipv6Address> gateway_v6;
    TcpStackConfig tcp;
    std::shared_ptr<Engine> engine;

    glue::RuntimeConfig runtime_config() const;
    void detach_interfaces();
};

glue::RuntimeConfig NetworkStack::Impl::runtime_config() const {
    glue::RuntimeConfig cfg;
    cfg.lcores = options.lcores;
    cfg.pcap_file = options.pcap_file;
    cfg.seed = options.seed;
    cfg.eal_args = options.eal_args;
    cfg.gateway_v4 = gateway_v4;
    cfg.gateway_v6 = gateway_v6;
    cfg.tcp = tcp;
    unsigned tap = 0;
    for (const auto& iface : interfaces) {
        const auto& st = *iface.state();
        std::lock_guard lock(st.mutex);
        glue::RuntimePort port;
        port.vdev = st.device.empty() ? fmt::format("net_tap{},iface={}", tap, st.name) : st.device;
        if (st.device.empty())
            ++tap;
        port.addresses = st.addresses;
        port.mac = st.mac;
        port.mtu = st.mtu;
        port.impairment.loss = st.loss;
        port.impairment.reorder = st.reorder;
        port.impairment.delay = std::chrono::milliseconds(st.delay_ms);
        cfg.ports.push_back(std::move(port));
    }
    return cfg;
}

void NetworkStack::Impl::detach_interfaces() {
    for (auto& iface : interfaces) {
        std::lock_guard lock(iface.state()->mutex);
        iface.state()->running = nullptr;
    }
}

NetworkStack::NetworkStack() : NetworkStack(StackOptions{}) {}

NetworkStack::NetworkStack(StackOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    if (!impl_->options.config_file) {
        if (const char* env = std::getenv("MULTIOS_NET_CONFIG"); env != nullptr && *env != 0)
            impl_->options.config_file = env;
    }
}

NetworkStack::~NetworkStack() {
    stop();
    NetworkStack* self = this;
    g_default.compare_exchange_strong(self, nullptr);
}

Result<void> NetworkStack::add_interface(NetworkInterface& iface) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->engine)
        return fail(EBUSY);
    for (const auto& i : impl_->interfaces)
        if (i.name() == iface.name())
            return fail(EEXIST);
    impl_->interfaces.push_back(iface);
    return {};
}

NetworkInterface* NetworkStack::get_interface(std::string_view name) {
    std::lock_guard lock(impl_->mutex);
    for (auto& i : impl_->interfaces)
        if (i.name() == name)
            return &i;
    return nullptr;
}

Result<void> NetworkStack::set_gateway(std::string_view address) {
    auto a = IpAddress::parse(address);
    if (!a)
        return fail(EINVAL);
    std::lock_guard lock(impl_->mutex);
    if (impl_->engine)
        return fail(EBUSY);
    if (a->is_v4())
        impl_->gateway_v4 = a->v4();
    else
        impl_->gateway_v6 = a->v6();
    return {};
}

Result<void> NetworkStack::set_lcores(unsigned lcores) {
    if (lcores == 0 || lcores > 128)
        return fail(EINVAL);
    std::lock_guard lock(impl_->mutex);
    if (impl_->engine)
        return fail(EBUSY);
    impl_->options.lcores = lcores;
    return {};
}

namespace {

// The body of lcore 0's thread: builds the runtime (EAL's main lcore is the thread that
// starts it), reports the outcome, runs lcore 0's loop until stop(), then tears down.
void run_lcore0(NetworkStack::Engine& e, glue::RuntimeConfig cfg, std::promise<int>& started) {
    auto setup = [&e](glue::Shard& shard) {
        auto api = std::make_unique<api::ApiShard>(shard.lcore, shard);
        api::ApiShard* raw = api.get();
        shard.loop->app_work = [raw](Instant now) {
            return raw->work(now);
        };
        e.shards.push_back(std::move(api));
        return true;
    };
    e.runtime = glue::LcoreRuntime::start(cfg, setup);
    if (!e.runtime) {
        started.set_value(glue::LcoreRuntime::last_start_error().value());
        return;
    }
    started.set_value(0);
    e.runtime->loop().run(e.stop_requested);
    e.runtime->stop_workers();
    e.down.store(true, std::memory_order_seq_cst);
    for (auto& s : e.shards)
        s->mark_all_down();
    // Application calls that entered before `down` may still be posting or ringing.
    while (e.active_calls.load(std::memory_order_seq_cst) != 0)
        std::this_thread::yield();
    e.runtime.reset(); // resets what connections remain, stops the ports, frees EAL memory
}

// True when no IPv6 address of any interface is still running DAD on any lcore.
bool dad_finished(NetworkStack::Engine& e) {
    bool tentative = false;
    auto r = e.call_all([&](api::ApiShard& shard, Instant) {
        for (std::size_t i = 0; i < shard.stack().interface_count(); ++i)
            for (const auto& a : shard.stack().interface(static_cast<IfIndex>(i)).v6)
                tentative |= a.state == Ipv6AddressState::Tentative;
    });
    return !r || !tentative;
}

// start() returns once the configured addresses can be used, as `ip addr add` users expect
// after their interface is up: IPv6 addresses leave DAD (RFC 4862 5.4: one probe, one
// second by default) within a few seconds; stop waiting after kDadWait regardless.
void wait_for_dad(NetworkStack::Engine& e) {
    constexpr auto kDadWait = std::chrono::seconds(5);
    const auto until = std::chrono::steady_clock::now() + kDadWait;
    while (!dad_finished(e) && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

} // namespace

Result<void> NetworkStack::start() {
    std::lock_guard lock(impl_->mutex);
    if (impl_->engine || g_started.exchange(true))
        return fail(EALREADY);
    if (impl_->options.config_file) {
        if (auto r =
                apply_config_file(*impl_->options.config_file, impl_->options, impl_->interfaces,
                                  impl_->gateway_v4, impl_->gateway_v6, impl_->tcp);
            !r)
            return r;
    }
    if (impl_->interfaces.empty()) {
        std::fprintf(stderr, "multios-net: the stack has no interface (add_interface)\n");
        return fail(EINVAL);
    }
    auto engine = std::make_shared<Engine>();
    engine->tcp = impl_->tcp;
    std::promise<int> started;
    auto outcome = started.get_future();
    engine->lcore0 =
        std::thread(run_lcore0, std::ref(*engine), impl_->runtime_config(), std::ref(started));
    if (const int err = outcome.get(); err != 0) {
        engine->lcore0.join();
        return fail(err);
    }
    IfIndex index = 0;
    for (auto& iface : impl_->interfaces) {
        std::lock_guard ilock(iface.state()->mutex);
        iface.state()->running = engine.get();
        iface.state()->index = index++;
    }
    wait_for_dad(*engine);
    impl_->engine = std::move(engine);
    NetworkStack* none = nullptr;
    g_default.compare_exchange_strong(none, this);
    return {};
}

void NetworkStack::stop() {
    std::shared_ptr<Engine> engine;
    {
        std::lock_guard lock(impl_->mutex);
        if (!impl_->engine || impl_->engine->down.load())
            return;
        engine = impl_->engine;
        impl_->detach_interfaces();
    }
    engine->stop_requested.store(true);
    if (engine->enter()) {
        engine->runtime->wake(0);
        engine->leave();
    }
    if (engine->lcore0.joinable())
        engine->lcore0.join();
    {
        // Its thread has seen the stack go down (or will within its wait's bound) and ends.
        std::lock_guard rlock(engine->reactor_mutex);
        engine->reactor.reset();
    }
    // Sockets may outlive the stack; they hold the engine, which holds the shards: break the
    // cycle now that no lcore runs.
    for (auto& s : engine->shards)
        s->release_all();
}

bool NetworkStack::running() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->engine && !impl_->engine->down.load();
}

unsigned NetworkStack::lcores() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->engine ? impl_->engine->lcores() : impl_->options.lcores;
}

std::string NetworkStack::describe() const {
    std::lock_guard lock(impl_->mutex);
    std::string out;
    const auto cfg = impl_->runtime_config();
    for (std::size_t i = 0; i < cfg.ports.size(); ++i) {
        const auto& p = cfg.ports[i];
        out += fmt::format("{}: device {} mtu {}", impl_->interfaces[i].name(), p.vdev,
                           p.mtu.value_or(1500));
        for (const auto& a : p.addresses) {
            out += ' ';
            out += a.to_string();
        }
        out += "\n";
    }
    return out;
}

NetworkStack* NetworkStack::default_stack() {
    return g_default.load();
}

NetworkStack::Engine* NetworkStack::engine() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->engine.get();
}

} // namespace multios::net
