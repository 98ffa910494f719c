import { AwsV4Signer } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, encodeKey, signS3Request } from './sigv4';

// AWS's example credentials, from the S3 documentation's Signature Version 4 examples.
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const now = new Date('2013-05-24T00:00:00Z');
const signatureOf = (authorization: string) => /Signature=([0-9a-f]{64})$/.exec(authorization)?.[1];

describe('SigV4 for S3', () => {
  it('matches the documented GET Object example', () => {
    const headers = signS3Request(
      {
        method: 'GET',
        url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
        headers: { Range: 'bytes=0-9' },
        payloadHash: EMPTY_SHA256,
        region: 'us-east-1',
        now,
      },
      credentials,
    );
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(headers['x-amz-date']).toBe('20130524T000000Z');
  });

  it('matches the documented PUT Object example (a key with a character to encode)', () => {
    const headers = signS3Request(
      {
        method: 'PUT',
        url: new URL(`https://examplebucket.s3.amazonaws.com/${encodeKey('test$file.text')}`),
        headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
        payloadHash: '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
        region: 'us-east-1',
        now,
      },
      credentials,
    );
    expect(signatureOf(headers.authorization)).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
    expect(headers.authorization).toContain('SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,');
  });

  it('agrees with aws4fetch on a path-style PUT with a session token and checksum headers', async () => {
    const url = new URL(`http://127.0.0.1:9000/bucket/${encodeKey("builds/@acme/utils (1)/dist/it's*.js")}`);
    const payloadHash = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9';
    const base = {
      'content-type': 'text/javascript',
      'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww==',
      'x-amz-checksum-sha256': 'uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=',
    };
    const session = { ...credentials, sessionToken: 'FQoGZXIvYXdzE//token' };
    const ours = signS3Request({ method: 'PUT', url, headers: base, payloadHash, region: 'eu-west-3', now }, session);
    const theirs = await new AwsV4Signer({
      method: 'PUT',
      url: url.href,
      headers: { ...base, 'x-amz-content-sha256': payloadHash },
      ...session,
      service: 's3',
      region: 'eu-west-3',
      datetime: '20130524T000000Z',
      allHeaders: true,
    }).sign();
    expect(ours.authorization).toBe(theirs.headers.get('authorization'));
    expect(ours['x-amz-security-token']).toBe(session.sessionToken);
  });

  it('keys keep their slashes and encode everything else once', () => {
    expect(encodeKey('a b/c+d/é(1)')).toBe('a%20b/c%2Bd/%C3%A9%281%29');
  });
});
