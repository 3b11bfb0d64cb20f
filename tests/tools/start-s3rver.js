#!/usr/bin/env node
'use strict';

// Runs s3rver's own command line (same arguments) with one change: an object's ETag file (<key>._S3rver_object.md5)
// and metadata file (<key>._S3rver_metadata.json) are replaced by rename instead of being rewritten in place.
//
// Why: s3rver rewrites them with fs.writeFile, which truncates first, so a GET or HEAD racing a PUT of the same key
// could read an empty file and answer with `ETag: ""` (the AWS SDK then fails inside GetObject, parsing "" as the
// hex MD5) or a 500 (empty JSON). Real S3 never does that: a response's headers always describe one whole stored
// version. The object's bytes are still rewritten in place, as s3rver does, so a racing read can still get a damaged
// body, which is what dstack's MD5 checks must catch (StorageContractTests' concurrent writers test).

const path = require('path');

const s3rverDir = path.dirname(require.resolve('s3rver/package.json'));
const { version } = require('s3rver/package.json');
if (version !== '3.7.1') {
  // The file names and fs-extra calls below are those of s3rver 3.7.1's FilesystemStore.
  throw new Error(`start-s3rver.js was written for s3rver 3.7.1, not ${version}: check lib/stores/filesystem.js again`);
}

// The fs-extra instance s3rver's store calls, not another copy.
const fs = require(require.resolve('fs-extra', { paths: [s3rverDir] }));
const writeInPlace = fs.writeFile;
const replacedWhole = /\._S3rver_(object\.md5|metadata\.json)$/;
let temporaries = 0;

fs.writeFile = function writeFile(file, data, ...rest) {
  // s3rver awaits the promise form; anything else (callbacks, descriptors, other files) goes through unchanged.
  if (typeof file !== 'string' || !replacedWhole.test(file) || rest.some(a => typeof a === 'function')) {
    return writeInPlace.call(this, file, data, ...rest);
  }

  // The temporary name does not end in ._S3rver_object, so s3rver's listings never show it.
  const temporary = `${file}.${process.pid}-${++temporaries}.tmp`;
  return (async () => {
    try {
      await writeInPlace.call(fs, temporary, data, ...rest);
      await fs.rename(temporary, file);
    } catch (err) {
      await fs.remove(temporary);
      throw err;
    }
  })();
};

require('s3rver/bin/s3rver.js');
