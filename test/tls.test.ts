/**
 * TLS and mutual TLS (--tls-cert, --tls-key, --tls-client-ca): a throwaway CA,
 * a server certificate for localhost / 127.0.0.1 and client certificates are
 * made with `openssl` at test time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { startHarness, type Harness } from './harness';
import { connect, type TlsOptions } from '../src/testing/client';
import { DEFAULTS, resolveConfig } from '../src/config';
import { startServer } from '../src/server';
import pino from 'pino';

interface Pki {
  dir: string;
  ca: Buffer;
  serverCert: string;
  serverKey: string;
  caFile: string;
  client: { cert: Buffer; key: Buffer };
  /** Signed by another CA, which the server does not trust. */
  rogue: { ca: Buffer; cert: Buffer; key: Buffer };
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function makePki(): Pki {
  const dir = mkdtempSync(path.join(tmpdir(), 'orderpool-tls-'));
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const key = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(name));
  const ca = (name: string, cn: string) => {
    key(`${name}.key`);
    ssl('req', '-x509', '-new', '-key', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  };
  const leaf = (name: string, cn: string, caName: string, ext: string) => {
    key(`${name}.key`);
    ssl('req', '-new', '-key', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    writeFileSync(f(`${name}.ext`), ext);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${caName}.pem`), '-CAkey', f(`${caName}.key`), '-CAcreateserial',
      '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`));
  };
  ca('ca', 'orderpool test CA');
  ca('rogue-ca', 'someone else');
  leaf('server', 'localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  leaf('client', 'shop-platform', 'ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  leaf('rogue', 'shop-platform', 'rogue-ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  return {
    dir,
    ca: readFileSync(f('ca.pem')),
    caFile: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    client: { cert: readFileSync(f('client.pem')), key: readFileSync(f('client.key')) },
    rogue: { ca: readFileSync(f('rogue-ca.pem')), cert: readFileSync(f('rogue.pem')), key: readFileSync(f('rogue.key')) },
  };
}

/** The code of a ListLenders call over these credentials (0 = it worked). */
async function call(target: string, tls?: TlsOptions): Promise<number> {
  const api = connect(target, undefined, tls);
  try {
    await api.listLenders({ pageSize: 0, pageToken: '' });
    return grpc.status.OK;
  } catch (e) {
    return (e as grpc.ServiceError).code;
  } finally {
    api.close();
  }
}

describe('TLS and mutual TLS', function () {
  this.timeout(60_000);
  let pki: Pki;
  let h: Harness | undefined;

  before(function () {
    if (!hasOpenssl()) this.skip();
    pki = makePki();
  });
  after(() => {
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('should serve TLS with --tls-cert and --tls-key: the right CA connects, no CA, another CA or plaintext does not', async () => {
    h = await startHarness({ tlsCert: pki.serverCert, tlsKey: pki.serverKey });
    const target = `127.0.0.1:${h.server.port}`;
    expect(await call(target, { ca: pki.ca })).to.equal(grpc.status.OK);
    expect(await call(`localhost:${h.server.port}`, { ca: pki.ca })).to.equal(grpc.status.OK);
    expect(await call(target, { ca: pki.ca, serverName: 'localhost' })).to.equal(grpc.status.OK);
    // A client certificate is not needed (nor refused) without --tls-client-ca.
    expect(await call(target, { ca: pki.ca, ...pki.client })).to.equal(grpc.status.OK);
    expect(await call(target, {})).to.equal(grpc.status.UNAVAILABLE); // system roots do not know our CA
    expect(await call(target, { ca: pki.rogue.ca })).to.equal(grpc.status.UNAVAILABLE);
    expect(await call(target, { ca: pki.ca, serverName: 'not-the-server.example' })).to.equal(grpc.status.UNAVAILABLE);
    expect(await call(target)).to.equal(grpc.status.UNAVAILABLE); // plaintext
  });

  it('should require and verify client certificates with --tls-client-ca (mutual TLS)', async () => {
    h = await startHarness({ tlsCert: pki.serverCert, tlsKey: pki.serverKey, tlsClientCa: pki.caFile });
    const target = `127.0.0.1:${h.server.port}`;
    expect(await call(target, { ca: pki.ca, ...pki.client })).to.equal(grpc.status.OK);
    expect(await call(target, { ca: pki.ca })).to.equal(grpc.status.UNAVAILABLE); // no client certificate
    expect(await call(target, { ca: pki.ca, cert: pki.rogue.cert, key: pki.rogue.key })).to.equal(grpc.status.UNAVAILABLE); // untrusted issuer
    expect(await call(target, { ca: pki.rogue.ca, ...pki.client })).to.equal(grpc.status.UNAVAILABLE); // wrong server CA
    expect(await call(target)).to.equal(grpc.status.UNAVAILABLE); // plaintext
    // The service works over mutual TLS end to end (a write and a read).
    const api = connect(target, undefined, { ca: pki.ca, ...pki.client });
    try {
      await api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B1', amount: { currencyCode: 'USD', minorUnits: '100' } });
      expect((await api.getMerchant({ merchantId: 'M1' })).lastSequence).to.equal('1');
    } finally {
      api.close();
    }
  });

  it('should refuse to start with half a TLS configuration or an unreadable file', async () => {
    for (const bad of [
      { tlsCert: pki.serverCert },
      { tlsKey: pki.serverKey },
      { tlsClientCa: pki.caFile },
      { tlsCert: path.join(pki.dir, 'missing.pem'), tlsKey: pki.serverKey },
    ]) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'orderpool-test-'));
      let err: unknown;
      try {
        const s = await startServer({ listen: '127.0.0.1:0', dataDir, logger: pino({ level: 'silent' }), ...bad });
        await s.stop();
      } catch (e) {
        err = e;
      }
      rmSync(dataDir, { recursive: true, force: true });
      expect(err, JSON.stringify(bad)).to.be.instanceOf(Error);
    }
  });

  it('should take the TLS files from flags or ORDERPOOL_TLS_* variables', () => {
    expect([DEFAULTS.tlsCert, DEFAULTS.tlsKey, DEFAULTS.tlsClientCa]).to.deep.equal(['', '', '']);
    const c = resolveConfig(['--tls-cert', 'a.pem', '--tls-key', 'a.key', '--tls-client-ca', 'ca.pem']);
    expect([c.tlsCert, c.tlsKey, c.tlsClientCa]).to.deep.equal(['a.pem', 'a.key', 'ca.pem']);
    const saved = { ...process.env };
    try {
      process.env.ORDERPOOL_TLS_CERT = 'e.pem';
      process.env.ORDERPOOL_TLS_KEY = 'e.key';
      process.env.ORDERPOOL_TLS_CLIENT_CA = 'eca.pem';
      const e = resolveConfig([]);
      expect([e.tlsCert, e.tlsKey, e.tlsClientCa]).to.deep.equal(['e.pem', 'e.key', 'eca.pem']);
    } finally {
      for (const k of ['ORDERPOOL_TLS_CERT', 'ORDERPOOL_TLS_KEY', 'ORDERPOOL_TLS_CLIENT_CA']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});
