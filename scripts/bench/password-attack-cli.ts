/**
 * The password attack of test/helpers/password-attack.ts as a process, so that it can run on its
 * own lab host (scripts/netns/netns-lab.ts): prints the attempt log as one JSON line at the end.
 *
 *   node --import tsx scripts/bench/password-attack-cli.ts ADDRESS PORT ATTEMPTS DURATION_MS
 */
import { startPasswordAttack } from '../../test/helpers/password-attack.js';

const [address = '', port = '', attempts = '1000', durationMs = '0'] = process.argv.slice(2);
const attack = startPasswordAttack({ address, port: Number(port), attempts: Number(attempts), durationMs: Number(durationMs) });
console.log(JSON.stringify(await attack.done));
