/**
 * CPace primitives (node-agent/auth/cpace.ts) against the published test vectors of
 * draft-irtf-cfrg-cpace, appendix "Test vector for CPace using group ristretto255 and hash
 * SHA-512" (and the string-utility vectors of its "CPace function definitions" appendix).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ristretto255_hasher } from '@noble/curves/ed25519.js';
import {
  calculateGenerator, generatorString, intermediateSessionKey, lvCat, prependLen, scalarFromLE, scalarMult, scalarMultVfy, sha512, transcriptIr,
} from '../../node-agent/auth/cpace.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : 'null');
const utf8 = (s: string) => new TextEncoder().encode(s);

// Inputs of the ristretto255 vectors.
const PRS = utf8('Password');
const CI = hex('0b415f696e69746961746f720b425f726573706f6e646572');
const SID = hex('7e4b4791d6a8ef019b936c79fb7f2c57');
const ADa = utf8('ADa');
const ADb = utf8('ADb');
const ya = scalarFromLE(hex('da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08'));
const yb = scalarFromLE(hex('d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d'));

test('prepend_len and lv_cat match the draft', () => {
  assert.is(toHex(prependLen(new Uint8Array(0))), '00');
  assert.is(toHex(prependLen(utf8('1234'))), '0431323334');
  const r127 = Uint8Array.from({ length: 127 }, (_, i) => i);
  const r128 = Uint8Array.from({ length: 128 }, (_, i) => i);
  assert.is(toHex(prependLen(r127)), `7f${toHex(r127)}`);
  assert.is(toHex(prependLen(r128)), `8001${toHex(r128)}`);
  assert.is(toHex(lvCat(utf8('1234'), utf8('5'), new Uint8Array(0), utf8('678'))), '043132333401350003363738');
});

test('the generator string, its hash and the generator match the draft', () => {
  const genStr = generatorString(PRS, CI, SID);
  assert.is(genStr.length, 170);
  assert.is(
    toHex(genStr),
    '11435061636552697374726574746f3235350850617373776f726464' + '00'.repeat(100) +
      '180b415f696e69746961746f720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f2c57',
  );
  const hash = sha512(genStr);
  assert.is(
    toHex(hash),
    'da6d3ddc8802fca9058755ffd3ebde08a9c2c74945901a258482a288b6663af06bf645c93cd1c51512307199c80e84908916d983b34af77205f90851a657ee27',
  );
  const g = calculateGenerator(PRS, CI, SID);
  assert.is(toHex(g.toBytes()), '222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56');
  // RFC 9380's hash_to_ristretto255 runs expand_message_xmd first: another point. The draft's
  // element derivation is RFC 9496's map of the 64-byte hash itself, which is what cpace.ts uses.
  assert.is.not(toHex(ristretto255_hasher.hashToCurve(genStr).toBytes()), toHex(g.toBytes()));
});

test('the shares, K and the initiator/responder ISK match the draft', () => {
  const g = calculateGenerator(PRS, CI, SID);
  const Ya = scalarMult(ya, g);
  const Yb = scalarMult(yb, g);
  assert.is(toHex(Ya), 'd6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157');
  assert.is(toHex(Yb), '3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258');
  const K = '80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f';
  assert.is(toHex(scalarMultVfy(ya, Yb)), K);
  assert.is(toHex(scalarMultVfy(yb, Ya)), K);
  const t = transcriptIr(Ya, ADa, Yb, ADb);
  assert.is(
    toHex(t),
    '20d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b915703414461203ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f725803414462',
  );
  assert.is(
    toHex(intermediateSessionKey(SID, hex(K), t)),
    'b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447',
  );
  assert.is(
    toHex(sha512(utf8('CPaceSidOutput'), t)),
    'bb1c449b35f0ea79a65c209f329a693d475e0ce2387bed9fe4b78f60b2a27c219813fb2cfe175ef40d2222d9261e66da7d78f7c55a303b1b8611dcdfab880c47',
  );
});

test('scalar_mult_vfy: the valid case, and G.I for a bad encoding or the identity', () => {
  const s = scalarFromLE(hex('7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05'));
  const X = hex('2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c');
  assert.is(toHex(scalarMultVfy(s, X)), '7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e');
  assert.is(scalarMultVfy(s, hex('2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c')), null, 'Y_i1 does not decode');
  assert.is(scalarMultVfy(s, new Uint8Array(32)), null, 'Y_i2 is the identity');
});

test.run();
