/* COBS (Cheshire & Baker 1999) and CRC-32 (IEEE 802.3, as zlib.crc32) for the HIL link. */
#include "hil_proto.h"

uint32_t hil_crc32(const uint8_t *data, size_t n)
{
    /* nibble-wise table: 64 bytes of flash instead of 1 KB */
    static const uint32_t table[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
    };
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ table[crc & 0x0Fu];
        crc = (crc >> 4) ^ table[crc & 0x0Fu];
    }
    return crc ^ 0xFFFFFFFFu;
}

int hil_cobs_decode(uint8_t *buf, size_t n)
{
    size_t in = 0, out = 0;
    while (in < n) {
        uint8_t code = buf[in++];
        if (code == 0u) {
            return -1;
        }
        size_t run = (size_t)code - 1u;
        if (in + run > n) {
            return -1;
        }
        for (size_t k = 0; k < run; k++) {
            uint8_t b = buf[in++];
            if (b == 0u) {
                return -1;
            }
            buf[out++] = b;
        }
        if (code != 0xFFu && in < n) {
            buf[out++] = 0u;
        }
    }
    return (int)out;
}

size_t hil_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst)
{
    size_t code_at = 0, out = 1;
    uint8_t code = 1;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == 0u) {
            dst[code_at] = code;
            code_at = out++;
            code = 1;
        } else {
            dst[out++] = src[i];
            code++;
            if (code == 0xFFu && i + 1u < n) { /* a full block; no empty one at the very end */
                dst[code_at] = code;
                code_at = out++;
                code = 1;
            }
        }
    }
    dst[code_at] = code;
    return out;
}
