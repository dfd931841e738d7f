// Writes the seed corpora of the codec fuzz targets from spec/vectors, one file
// per input, so every frame shape the spec names (valid and invalid) is where
// fuzzing starts:
//   <out>/fuzz_v1_codec/    every v1.json "text"
//   <out>/fuzz_v2_codec/    every v2.json "hex", as bytes
//   <out>/fuzz_v2_batch/    every v2 frame alone, plus BATCHes of neighbouring
//                           valid frames, of all valid frames, and malformed ones
// Usage: tunely_fuzz_seeds SPEC_DIR OUT_DIR   (OUT_DIR's three folders are replaced)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tunely/protocol/v2_batch.hpp"
#include "vector_loader.hpp"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& dir, std::size_t index, const std::string& bytes) {
    char name[32];
    std::snprintf(name, sizeof name, "seed-%04zu", index);
    std::ofstream(dir / name, std::ios::binary) << bytes;
}

fs::path fresh_dir(const fs::path& out, const char* name) {
    auto dir = out / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SPEC_DIR OUT_DIR\n", argv[0]);
        return 2;
    }
    const fs::path spec = argv[1], out = argv[2];
    try {
        auto v1_dir = fresh_dir(out, "fuzz_v1_codec");
        std::size_t n = 0;
        for (const auto& v : tunely::test::load_vectors_from((spec / "vectors/v1.json").string(), "1.1"))
            write(v1_dir, n++, std::string(v.at("text").as_string()));

        auto v2_dir = fresh_dir(out, "fuzz_v2_codec");
        auto batch_dir = fresh_dir(out, "fuzz_v2_batch");
        std::vector<std::string> valid, invalid;
        std::size_t m = 0;
        for (const auto& v : tunely::test::load_vectors_from((spec / "vectors/v2.json").string(), "2")) {
            auto bytes = tunely::test::hex_to_bytes(v.at("hex").as_string());
            write(v2_dir, m++, bytes);
            (v.at("valid").as_bool() ? valid : invalid).push_back(std::move(bytes));
        }

        namespace v2 = tunely::protocol::v2;
        std::size_t b = 0;
        for (const auto& f : valid) write(batch_dir, b++, f);
        for (const auto& f : invalid) write(batch_dir, b++, f);
        for (std::size_t i = 0; i + 1 < valid.size(); ++i) {
            std::string batch;
            v2::append_to_batch(batch, valid[i]);
            v2::append_to_batch(batch, valid[i + 1]);
            write(batch_dir, b++, batch);
        }
        std::string all;
        for (const auto& f : valid) v2::append_to_batch(all, f);
        write(batch_dir, b++, all);
        // Malformed: a length running past the end, a batch inside a batch, a valid
        // frame next to an invalid one (the batch splits; the decoder rejects the frame).
        write(batch_dir, b++, all.substr(0, all.size() - 1));
        std::string nested;
        v2::append_to_batch(nested, all);
        write(batch_dir, b++, nested);
        if (!invalid.empty() && invalid.front().size() >= 6) {
            std::string mixed;
            v2::append_to_batch(mixed, valid.front());
            v2::append_to_batch(mixed, invalid.front());
            write(batch_dir, b++, mixed);
        }
        std::printf("fuzz seeds: %zu v1, %zu v2, %zu batch inputs in %s\n", n, m, b, out.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tunely_fuzz_seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
