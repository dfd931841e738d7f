// Limits of both protocols (spec/PROTOCOL.md §2.10), mirrored from
// cpp/include/tunely/protocol/limits.hpp.
export const v1MaxMessageSize = 64 * 1024 * 1024;
export const v2FrameHeaderSize = 6;
export const v2MaxDataPayload = 64 * 1024;
export const v2MaxHeadBytes = 64 * 1024;
export const v2MaxHeaders = 256;
export const v2MaxFrameSize = v2FrameHeaderSize + 4 + 1 + 255 + 2 + 2 + v2MaxHeadBytes + 4 * v2MaxHeaders + v2MaxDataPayload;
export const v2MaxResetMessage = 1024;
export const v2InitialWindow = 256 * 1024;
export const v2MaxWindow = 16 * 1024 * 1024;
export const capabilityV2 = 'tunely/2';
// Protocol 2 streams may carry HTTP upgrades (WebSocket): spec/PROTOCOL.md §2.12.
export const capabilityUpgrade = 'tunely/2+upgrade';
// Several frames may share one WebSocket message (BATCH): spec/PROTOCOL.md §2.4.8.
export const capabilityBatch = 'tunely/2+batch';
// Protocol 2 sessions may carry raw TCP / UDP tunnel streams (OPEN with RAW): spec/PROTOCOL.md §2.15.
export const capabilityTcp = 'tunely/2+tcp';
export const capabilityUdp = 'tunely/2+udp';
// Protocol 1.1: the client carries the original's TCP mode (tcp_connect, tcp_data, tcp_close): spec §1.2.
export const capabilityV1Tcp = 'tunely/tcp';
