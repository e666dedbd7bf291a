#include "engine/sha256.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace gongkai {
namespace {

// FIPS 180-2 test vectors.
TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, PiecesGiveTheDigestOfTheirConcatenation) {
  std::mt19937_64 random(7);
  Sha256 sha;
  for (int round = 0; round < 200; ++round) {
    std::string all;
    const auto pieces = random() % 6;
    for (std::uint64_t p = 0; p < pieces; ++p) {
      std::string piece(random() % 200, '\0');
      for (char& c : piece) c = static_cast<char>(random());
      sha.update(piece);
      all += piece;
    }
    ASSERT_EQ(sha.hex(), sha256_hex(all)) << "round " << round;  // and starts afresh
  }
}

TEST(Sha256, HexStartsANewDigest) {
  Sha256 sha;
  sha.update("ab");
  EXPECT_EQ(sha.hex(), sha256_hex("ab"));
  sha.update("c");
  EXPECT_EQ(sha.hex(), sha256_hex("c"));
  EXPECT_EQ(sha.hex(), sha256_hex(""));
}

}  // namespace
}  // namespace gongkai
