// The simulator's random numbers: SplitMix64 streams and the distributions drawn from them,
// written out here so that the same seed gives the same numbers with any standard library
// (std::*_distribution is implementation-defined). Only std::log, std::exp, std::sqrt and std::cos
// of the C library are used; on one build they are deterministic.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

namespace gongkai::sim {

// FNV-1a, 64 bit: a stable hash of a name (std::hash is not stable across libraries).
constexpr std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// One step of SplitMix64 (Steele, Lea, Flood 2014): a bijective mix of a 64-bit state.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A seed derived from a parent seed and a name (a unit, a standard, an item): streams of
// different names are independent, so adding or removing one unit does not change another's.
constexpr std::uint64_t derive_seed(std::uint64_t parent, std::string_view name) noexcept {
  return mix64(parent ^ mix64(stable_hash(name)));
}
constexpr std::uint64_t derive_seed(std::uint64_t parent, std::uint64_t index) noexcept {
  return mix64(parent ^ mix64(index + 0x9e3779b97f4a7c15ull));
}

// A SplitMix64 generator with the draws the simulator needs. Not thread-safe (one per stream).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept : state_(seed) {}

  // The next 64 random bits.
  std::uint64_t next() noexcept {
    state_ += 0x9e3779b97f4a7c15ull;
    return mix64(state_);
  }
  // Uniform in [0, 1), 53 bits.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n) for n > 0 (Lemire's multiply-shift; the bias is below 2^-40 for
  // the small n used here).
  std::uint64_t below(std::uint64_t n) noexcept { return mul_high(next(), n); }
  // True with probability p.
  bool chance(double p) noexcept { return uniform() < p; }
  // Exponential with the given mean (inversion).
  double exponential(double mean) noexcept { return -mean * std::log1p(-uniform()); }
  // Standard normal (Box-Muller, one value per call).
  double normal() noexcept {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Log-normal with the given median and sigma of the underlying normal.
  double lognormal(double median, double sigma) noexcept {
    return median * std::exp(sigma * normal());
  }
  // Poisson with mean `mean` (Knuth's product method for small means, a rounded normal
  // approximation above 60).
  std::int64_t poisson(double mean) noexcept {
    if (mean <= 0) return 0;
    if (mean > 60) {
      const double x = mean + std::sqrt(mean) * normal();
      return x < 0 ? 0 : static_cast<std::int64_t>(x + 0.5);
    }
    const double limit = std::exp(-mean);
    std::int64_t k = 0;
    double p = uniform();
    while (p > limit) {
      ++k;
      p *= uniform();
    }
    return k;
  }

 private:
  // The high 64 bits of the 128-bit product a * b (portable; no __int128 in ISO C++).
  static constexpr std::uint64_t mul_high(std::uint64_t a, std::uint64_t b) noexcept {
    const std::uint64_t a_lo = a & 0xffffffffull, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xffffffffull, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo;
    const std::uint64_t hi_lo = a_hi * b_lo;
    const std::uint64_t lo_hi = a_lo * b_hi;
    const std::uint64_t hi_hi = a_hi * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffull) + lo_hi;
    return hi_hi + (hi_lo >> 32) + (cross >> 32);
  }

  std::uint64_t state_;
};

}  // namespace gongkai::sim
