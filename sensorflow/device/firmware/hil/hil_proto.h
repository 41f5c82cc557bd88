/* HIL serial protocol: frame codec shared by every board (see hil/README.md).
 * A frame on the wire is COBS(type u8, seq u16 LE, body, CRC-32 LE) followed by 0x00.
 * CRC-32 is the IEEE 802.3 / zlib polynomial (reflected 0xEDB88320, init and xorout ~0). */
#ifndef HIL_PROTO_H
#define HIL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define HIL_PROTO_VERSION 1u

/* requests (host -> board); a response has the request type | 0x80 */
#define HIL_MSG_HELLO    0x01u
#define HIL_MSG_PING     0x02u
#define HIL_MSG_LOAD     0x03u
#define HIL_MSG_INFER    0x04u
#define HIL_MSG_FEATURES 0x05u
#define HIL_MSG_PUSH     0x06u
#define HIL_MSG_RESET    0x07u
#define HIL_MSG_PUSH_I16 0x08u /* int16 counts through _push_i16: only when HIL_CAP_PUSH_I16 is advertised */
#define HIL_MSG_RESPONSE 0x80u
#define HIL_MSG_ERROR    0xFFu

/* error codes carried by HIL_MSG_ERROR */
#define HIL_ERR_UNKNOWN_COMMAND 1u
#define HIL_ERR_BAD_LENGTH      2u
#define HIL_ERR_BAD_OFFSET      3u
#define HIL_ERR_MODEL           4u
#define HIL_ERR_NO_SESSION      5u /* reset since the last hello: send hello, then re-send state */

/* hello byte 45: what this firmware offers beyond protocol 1's base commands (0 on older firmware) */
#define HIL_CAP_PUSH_I16 0x01u /* PUSH_I16 served; hello byte 46 is k (int8), the counts' scale 2^-k */

#define HIL_COUNTER_NONE         0u
#define HIL_COUNTER_INSTRUCTIONS 1u
#define HIL_COUNTER_CYCLES       2u
#define HIL_COUNTER_NANOSECONDS  3u

#define HIL_FRAME_OVERHEAD 7u /* type + seq + crc */
#define HIL_COBS_MAX(n) ((n) + (n) / 254u + 2u)

uint32_t hil_crc32(const uint8_t *data, size_t n);

/* Decode a COBS block (without its 0x00 delimiter) in place; returns the decoded length,
 * or -1 if the block is malformed (a zero byte inside, or a code running past the end). */
int hil_cobs_decode(uint8_t *buf, size_t n);

/* Encode n bytes of src into dst (capacity HIL_COBS_MAX(n)); returns the encoded length. */
size_t hil_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst);

static inline uint16_t hil_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t hil_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void hil_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void hil_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void hil_put_u64(uint8_t *p, uint64_t v)
{
    hil_put_u32(p, (uint32_t)v);
    hil_put_u32(p + 4, (uint32_t)(v >> 32));
}

#endif
