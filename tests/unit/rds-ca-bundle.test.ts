// The RDS CA bundle kept in the repository (host/db-ca/rds-global-bundle.crt): AWS's global bundle
// (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem) as committed by a public
// repository in June 2023 (huggingface/chat-ui, global-bundle.pem at commit 3dbeff3845073723ebbf61f7d9c95847f0d45c1c),
// byte for byte. These checks read it with Node's X.509 parser: only certificates, every one a CA of
// Amazon RDS, the current G1 roots among them, and no private key.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { secretContentReason, secretPathReason } from "../../components/bundleRules";

const BUNDLE = path.resolve(__dirname, "..", "..", "host", "db-ca", "rds-global-bundle.crt");
/** sha256 of the file as committed upstream (docs/explanation/security.md names it too). */
const UPSTREAM_SHA256 = "fefac91d6800404461cece76724bc0a2383f4f556a1c9beb0813fac6f2e1e49f";

function certificates(): crypto.X509Certificate[] {
  const text = fs.readFileSync(BUNDLE, "utf8");
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) =>
    new crypto.X509Certificate(m[0])
  );
}

describe("the RDS CA bundle (host/db-ca/rds-global-bundle.crt)", () => {
  it("is the upstream file byte for byte", () => {
    assert.strictEqual(crypto.createHash("sha256").update(fs.readFileSync(BUNDLE)).digest("hex"), UPSTREAM_SHA256);
  });

  it("holds only CA certificates of Amazon RDS, and no private key", () => {
    const certs = certificates();
    assert.strictEqual(certs.length, 115);
    for (const c of certs) {
      assert.ok(c.ca, `${c.subject} is a CA`);
      assert.match(c.subject, /OU=Amazon RDS/);
    }
    assert.strictEqual(secretContentReason(fs.readFileSync(BUNDLE)), undefined);
    assert.strictEqual(secretPathReason("host/db-ca/rds-global-bundle.crt", false), undefined,
      "its name passes the bundle's secret-file rules");
  });

  it("holds the self-signed G1 roots RDS instances chain to today, valid for decades", () => {
    const roots = certificates().filter((c) => c.subject === c.issuer);
    for (const cn of ["Amazon RDS us-east-1 Root CA RSA2048 G1", "Amazon RDS eu-west-1 Root CA RSA4096 G1",
      "Amazon RDS ap-southeast-2 Root CA ECC384 G1"]) {
      const root = roots.find((c) => c.subject.split("\n").includes(`CN=${cn}`));
      assert.ok(root, `${cn} is in the bundle`);
      assert.ok(new Date(root.validTo).getUTCFullYear() >= 2060, `${cn} valid until ${root.validTo}`);
      assert.ok(root.verify(root.publicKey), `${cn} is self-signed`);
    }
  });
});
