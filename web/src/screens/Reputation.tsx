export default function Reputation(_: { me: string }) { return null; }
