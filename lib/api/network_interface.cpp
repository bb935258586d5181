#include <multios/net/network_interface.hpp>

#include <algorithm>
#include <mutex>

#include "api/interface_state.hpp"

namespace multios::net {

NetworkInterface::NetworkInterface(std::string name) : state_(std::make_shared<State>()) {
    state_->name = std::move(name);
}

const std::string& NetworkInterface::name() const {
    return state_->name;
}

Result<void> NetworkInterface::set_device(std::string vdev) {
    std::lock_guard lock(state_->mutex);
    if (state_->running != nullptr)
        return fail(EBUSY);
    if (vdev.empty())
        return fail(EINVAL);
    state_->device = std::move(vdev);
    return {};
}

std::string NetworkInterface::device() const {
    std::lock_guard lock(state_->mutex);
    return state_->device;
}

Result<void> NetworkInterface::set_ip_address(std::string_view prefix) {
    auto p = IpPrefix::parse(prefix);
    if (!p)
        return fail(EINVAL);
    {
        std::lock_guard lock(state_->mutex);
        if (state_->running == nullptr) {
            std::erase_if(state_->addresses, [&](const IpPrefix& a) {
                return a.address.is_v4() == p->address.is_v4();
            });
        }
    }
    return add_address(*p);
}

Result<void> NetworkInterface::add_address(const IpPrefix& prefix) {
    std::unique_lock lock(state_->mutex);
    if (std::find(state_->addresses.begin(), state_->addresses.end(), prefix) !=
        state_->addresses.end())
        return {};
    auto* running = state_->running;
    if (running == nullptr) {
        state_->addresses.push_back(prefix);
        return {};
    }
    const IfIndex index = state_->index;
    lock.unlock();
    // A running stack: every lcore's shard gets the address (each runs DAD on its own).
    auto r = running->call_all([&](api::ApiShard& shard, Instant now) {
        (void)shard.stack().add_address(index, prefix, now);
    });
    if (!r)
        return r;
    lock.lock();
    state_->addresses.push_back(prefix);
    return {};
}

std::vector<IpPrefix> NetworkInterface::addresses() const {
    std::lock_guard lock(state_->mutex);
    return state_->addresses;
}

Result<void> NetworkInterface::set_mac_address(std::string_view mac) {
    auto m = MacAddress::parse(mac);
    if (!m || m->is_multicast() || m->is_zero())
        return fail(EINVAL);
    std::lock_guard lock(state_->mutex);
    if (state_->running != nullptr)
        return fail(EBUSY);
    state_->mac = *m;
    return {};
}

std::optional<MacAddress> NetworkInterface::mac_address() const {
    std::lock_guard lock(state_->mutex);
    return state_->mac;
}

Result<void> NetworkInterface::set_mtu(std::uint16_t mtu) {
    if (mtu < 576 || mtu > 9000)
        return fail(EINVAL);
    std::lock_guard lock(state_->mutex);
    if (state_->running != nullptr)
        return fail(EBUSY);
    state_->mtu = mtu;
    return {};
}

std::uint16_t NetworkInterface::mtu() const {
    std::lock_guard lock(state_->mutex);
    return state_->mtu;
}

} // namespace multios::net
