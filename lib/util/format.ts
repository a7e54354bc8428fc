/** How amounts and times are shown to people: ETH with its unit, ISO 8601 UTC with a relative hint (browser-safe). */
import { durationText, ethText, timeText } from "../chain/errorFormat";

/** "0.01 ETH" for 10^16 wei. */
export const formatEth: (wei: bigint | string | number) => string = ethText;

/** "5 min", "2 h 5 min", "40 s", "300 ms", "3 d" for a duration in milliseconds (sign ignored). */
export const formatDuration: (ms: number) => string = durationText;

/** "2026-12-01T10:00:00Z (in 5 min)" or "… (3 min ago)" for a Unix time in seconds. */
export const formatTime: (unixSeconds: bigint | number, nowMs?: number) => string = timeText;
