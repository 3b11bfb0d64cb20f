using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Dstack.Core.Storage;
using Microsoft.Win32.SafeHandles;
using Polly;
using Polly.Retry;

namespace Dstack.Backends.Aws.Storage;

/// <summary>
/// Storage in an S3 bucket under a key prefix (<c>s3://bucket/prefix</c>). Objects up to one part move in one request;
/// bigger ones as a multipart upload or parallel ranged reads, <see cref="S3StorageOptions.Concurrency"/> parts at a time.
/// Every request body carries its Content-MD5, which S3 checks; objects written in one piece are checked against their
/// MD5 ETag when read. A put becomes visible only when complete (S3's PUT and CompleteMultipartUpload are atomic), and a
/// parallel read pins the object's ETag, so readers never see a partial or mixed object.
/// </summary>
/// <remarks>
/// The SDK's default <c>aws-chunked</c> bodies with trailing checksums are turned off (checksums only when required,
/// <c>UseChunkEncoding = false</c> on every put and part) and multipart is done here rather than by TransferUtility:
/// S3-compatible servers such as s3rver store the chunk framing as data (s3rver 3.7.1 gave back a 5-byte object as 298
/// bytes, and TransferUtility's multipart uploads came back larger too). Real S3 accepts both forms.
/// Credentials come from the AWS SDK's default chain only (environment, profiles, SSO, instance roles).
/// </remarks>
public sealed class S3Storage : IPresigningStorage, IDisposable
{
    /// <summary>How many times an object that fails to read whole is read before the failure surfaces.</summary>
    private const int ReadTries = 5;

    /// <summary>
    /// An object that fails to read whole (a body that ends early or fails its MD5 check) is read again: it was being
    /// replaced or written as it was read (S3-compatible servers such as s3rver write in place, and list an object while
    /// its first write is under way), or the connection broke. A log reader that follows a run meets this as a matter of
    /// course and must not fail the command for it.
    /// </summary>
    private static readonly ResiliencePipeline ReadAgain = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<StorageException>(e => e.InnerException is IOException or AmazonClientException),
            MaxRetryAttempts = ReadTries - 1,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(50),
        })
        .Build();

    private readonly IAmazonS3 _s3;
    private readonly bool _ownsClient;
    private readonly S3StorageOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the storage with a client built from <paramref name="options"/> and the SDK's default credentials.</summary>
    public S3Storage(S3StorageOptions options)
        : this(CreateClient(options, credentials: null), options, ownsClient: true, TimeProvider.System)
    {
    }

    /// <summary>Creates the storage over <paramref name="s3"/> (tests and benchmarks pass a client with their own credentials).</summary>
    internal S3Storage(IAmazonS3 s3, S3StorageOptions options, bool ownsClient, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _s3 = s3;
        _ownsClient = ownsClient;
        _options = options;
        _time = time;
    }

    /// <inheritdoc />
    public string Location => _options.Location;

    /// <summary>Builds an S3 client for <paramref name="options"/>; the default credential chain when <paramref name="credentials"/> is null.</summary>
    internal static AmazonS3Client CreateClient(S3StorageOptions options, AWSCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var config = new AmazonS3Config
        {
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = options.RequestTimeout,
        };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = options.Region ?? "us-east-1";
        }
        else if (options.Region is { } region)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        try
        {
            return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
        }
        catch (AmazonClientException e)
        {
            // Typically no region: none in the config, AWS_REGION or the profile.
            throw new StorageUnavailableException(options.Location, $"{options.Location}: {e.Message} (set storage.region in the dstack config, or AWS_REGION).", e);
        }
    }

    /// <inheritdoc />
    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var objectKey = ObjectKey(key);
        var first = ArrayPool<byte>.Shared.Rent(_options.PartSize);
        var length = await ReadFullAsync(content, first, _options.PartSize, cancellationToken).ConfigureAwait(false);
        if (length < _options.PartSize)
        {
            try
            {
                await GuardAsync(key, async () =>
                {
                    using var body = new MemoryStream(first, 0, length, writable: false);
                    await _s3.PutObjectAsync(
                        new PutObjectRequest
                        {
                            BucketName = _options.Bucket,
                            Key = objectKey,
                            InputStream = body,
                            AutoCloseStream = false,
                            MD5Digest = Md5Base64(first.AsSpan(0, length)),
                            UseChunkEncoding = false,
                        },
                        cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(first);
            }

            return;
        }

        await GuardAsync(key, () => PutMultipartAsync(objectKey, content, first, cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        return await ReadAgain.ExecuteAsync(async token => await ReadWholeAsync(key, objectKey, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        return GuardAsync(key, async () =>
        {
            try
            {
                await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = objectKey }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
            {
                return false;
            }
        });
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StorageObject>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        StorageKey.Validate(prefix, isPrefix: true);
        var root = _options.NormalizedPrefix;
        var objects = await ListRawAsync(root + prefix, cancellationToken).ConfigureAwait(false);
        return objects
            .Select(o => new StorageObject(o.Key[root.Length..], o.Size ?? 0, o.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime()) : default))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
    }

    /// <inheritdoc />
    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        StorageKey.Validate(prefix, isPrefix: true);
        var objects = await ListRawAsync(_options.NormalizedPrefix + prefix, cancellationToken).ConfigureAwait(false);

        // DeleteObjects takes at most 1000 keys per request.
        foreach (var batch in objects.Chunk(1000))
        {
            await GuardAsync(prefix, async () =>
            {
                var response = await _s3.DeleteObjectsAsync(
                    new DeleteObjectsRequest { BucketName = _options.Bucket, Objects = batch.Select(o => new KeyVersion { Key = o.Key }).ToList() },
                    cancellationToken).ConfigureAwait(false);
                if (response.DeleteErrors is { Count: > 0 } errors)
                {
                    throw new StorageUnavailableException(Location, $"{Location}: could not delete {errors.Count} objects under '{prefix}', e.g. '{errors[0].Key}': {errors[0].Code} {errors[0].Message}");
                }
            }).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        return GuardAsync(key, () => _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = objectKey }, cancellationToken));
    }

    /// <inheritdoc />
    public Task<Uri> GetDownloadUrlAsync(string key, TimeSpan validFor, CancellationToken cancellationToken = default) =>
        PresignAsync(key, HttpVerb.GET, validFor);

    /// <inheritdoc />
    public Task<Uri> GetUploadUrlAsync(string key, TimeSpan validFor, CancellationToken cancellationToken = default) =>
        PresignAsync(key, HttpVerb.PUT, validFor);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient)
        {
            _s3.Dispose();
        }
    }

    // Content-MD5 is S3's integrity check for request bodies, not a security measure.
#pragma warning disable CA5351
    private static string Md5Base64(ReadOnlySpan<byte> data) => Convert.ToBase64String(MD5.HashData(data));
#pragma warning restore CA5351

    /// <summary>True for the ETag of an object written in one piece without KMS: the hex MD5 of its bytes.</summary>
    private static string? PlainMd5(GetObjectResponse response)
    {
        var etag = response.ETag?.Trim('"');
        return etag is { Length: 32 } && etag.All(char.IsAsciiHexDigit) && response.ServerSideEncryptionMethod != ServerSideEncryptionMethod.AWSKMS
            ? etag.ToLowerInvariant()
            : null;
    }

    private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < count)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total, count - total), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>Reads a response body; the SDK's own check of it (MD5 against the ETag) failing means the object changed or was damaged.</summary>
    private async Task<int> ReadBodyAsync(string key, Stream body, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadFullAsync(body, buffer, count, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonClientException e)
        {
            throw new StorageException(key, $"{Location}: '{key}' failed its checksum while being read ({e.Message}); it was replaced meanwhile or damaged; read it again.", e);
        }
    }

    private async Task<MemoryStream> ReadSmallAsync(string key, GetObjectResponse response, CancellationToken cancellationToken)
    {
        var data = new byte[response.ContentLength];
        var read = await ReadBodyAsync(key, response.ResponseStream, data, data.Length, cancellationToken).ConfigureAwait(false);
        if (read != data.Length)
        {
            throw new StorageException(key, $"{Location}: '{key}' ended after {read} of {data.Length} bytes.");
        }

#pragma warning disable CA5351 // checked against S3's MD5 ETag, not a security measure
        if (PlainMd5(response) is { } expected && Convert.ToHexStringLower(MD5.HashData(data)) is var actual && actual != expected)
#pragma warning restore CA5351
        {
            throw new StorageException(key, $"{Location}: '{key}' arrived with MD5 {actual}, not its ETag {expected}.");
        }

        return new MemoryStream(data, writable: false);
    }

    /// <summary>
    /// Reads a big object into a temporary file (deleted when the returned stream is closed): the first part from the
    /// response already open, the others as ranged GETs in parallel, each pinned to the first response's ETag.
    /// </summary>
    private async Task<Stream> ReadLargeAsync(string key, string objectKey, GetObjectResponse first, CancellationToken cancellationToken)
    {
        var size = first.ContentLength;
        var etag = first.ETag;
        var path = Path.Combine(Path.GetTempPath(), $"dstack-s3-{Guid.NewGuid():N}");
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous | FileOptions.DeleteOnClose, size);
        try
        {
            var partSize = _options.PartSize;
            var parts = (int)((size + partSize - 1) / partSize);
            using var slots = new SemaphoreSlim(_options.Concurrency);
            using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var tasks = new List<Task>(parts) { CopyPartAsync(handle, first.ResponseStream, 0, (int)Math.Min(partSize, size), key, failed) };
            for (var part = 1; part < parts; part++)
            {
                var offset = (long)part * partSize;
                var length = (int)Math.Min(partSize, size - offset);
                tasks.Add(ReadRangeAsync(handle, objectKey, etag, offset, length, key, slots, failed));
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
            var stream = new FileStream(handle, FileAccess.ReadWrite, 81920, isAsync: true);
            if (PlainMd5(first) is { } expected)
            {
                using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
                try
                {
                    int read;
                    while ((read = await stream.ReadAsync(buffer.AsMemory(0, 1024 * 1024), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        md5.AppendData(buffer, 0, read);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                var actual = Convert.ToHexStringLower(md5.GetHashAndReset());
                if (actual != expected)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                    throw new StorageException(key, $"{Location}: '{key}' arrived with MD5 {actual}, not its ETag {expected}.");
                }
            }

            stream.Position = 0;
            return stream;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private async Task CopyPartAsync(SafeFileHandle handle, Stream source, long offset, int length, string key, CancellationTokenSource failed)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var read = await ReadBodyAsync(key, source, buffer, length, failed.Token).ConfigureAwait(false);
            if (read != length)
            {
                throw new StorageException(key, $"{Location}: '{key}' ended after {offset + read} bytes, before the {length} bytes at offset {offset}.");
            }

            await RandomAccess.WriteAsync(handle, buffer.AsMemory(0, length), offset, failed.Token).ConfigureAwait(false);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task ReadRangeAsync(SafeFileHandle handle, string objectKey, string etag, long offset, int length, string key, SemaphoreSlim slots, CancellationTokenSource failed)
    {
        await slots.WaitAsync(failed.Token).ConfigureAwait(false);
        try
        {
            var request = new GetObjectRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                ByteRange = new ByteRange(offset, offset + length - 1),

                // Pinned to the version whose first part is being read: a replaced object fails the read, never mixes.
                EtagToMatch = etag,
            };
            GetObjectResponse response;
            try
            {
                response = await _s3.GetObjectAsync(request, failed.Token).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound or HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                throw new StorageException(key, $"{Location}: '{key}' was replaced or deleted while it was being read; read it again.", e);
            }

            using (response)
            {
                await CopyPartAsync(handle, response.ResponseStream, offset, length, key, failed).ConfigureAwait(false);
            }
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task PutMultipartAsync(string objectKey, Stream content, byte[] first, CancellationToken cancellationToken)
    {
        var uploadId = (await _s3.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = objectKey },
            cancellationToken).ConfigureAwait(false)).UploadId;
        using var slots = new SemaphoreSlim(_options.Concurrency);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var uploads = new List<Task<PartETag>>();
        try
        {
            // A slot is taken before a part's buffer is filled and given back when its upload ends, so at most
            // Concurrency parts are in memory at once.
            var buffer = first;
            var length = _options.PartSize;
            var number = 1;
            await slots.WaitAsync(failed.Token).ConfigureAwait(false);
            while (true)
            {
                uploads.Add(UploadPartAsync(uploadId, objectKey, number++, buffer, length, slots, failed));
                if (length < _options.PartSize)
                {
                    break;
                }

                await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(_options.PartSize);
                length = await ReadFullAsync(content, buffer, _options.PartSize, failed.Token).ConfigureAwait(false);
                if (length == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    slots.Release();
                    break;
                }
            }

            var etags = await Task.WhenAll(uploads).ConfigureAwait(false);
            await _s3.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = _options.Bucket, Key = objectKey, UploadId = uploadId, PartETags = [.. etags] },
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);

            // Every part must have stopped before the abort, or a late part would keep its storage (and cost) alive.
            await Task.WhenAll(uploads).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            await _s3.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = objectKey, UploadId = uploadId },
                CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<PartETag> UploadPartAsync(string uploadId, string objectKey, int number, byte[] buffer, int length, SemaphoreSlim slots, CancellationTokenSource failed)
    {
        try
        {
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            var response = await _s3.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = objectKey,
                    UploadId = uploadId,
                    PartNumber = number,
                    InputStream = body,
                    PartSize = length,
                    MD5Digest = Md5Base64(buffer.AsSpan(0, length)),
                    UseChunkEncoding = false,
                },
                failed.Token).ConfigureAwait(false);
            return new PartETag(number, response.ETag);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            slots.Release();
        }
    }

    private async Task<List<S3Object>> ListRawAsync(string fullPrefix, CancellationToken cancellationToken)
    {
        return await GuardAsync(fullPrefix, async () =>
        {
            var objects = new List<S3Object>();
            var listed = _s3.Paginators.ListObjectsV2(new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = fullPrefix }).S3Objects;
            await foreach (var listedObject in listed.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                objects.Add(listedObject);
            }

            return objects;
        }).ConfigureAwait(false);
    }

    private async Task<Uri> PresignAsync(string key, HttpVerb verb, TimeSpan validFor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(validFor, TimeSpan.Zero);
        var request = new GetPreSignedUrlRequest
        {
            BucketName = _options.Bucket,
            Key = ObjectKey(key),
            Verb = verb,
            Expires = _time.GetUtcNow().Add(validFor).UtcDateTime,
            Protocol = _options.Endpoint?.Scheme == "http" ? Protocol.HTTP : Protocol.HTTPS,
        };
        return new Uri(await _s3.GetPreSignedURLAsync(request).ConfigureAwait(false));
    }

    private string ObjectKey(string key)
    {
        StorageKey.Validate(key, isPrefix: false);
        return _options.NormalizedPrefix + key;
    }

    /// <summary>Reads the object at <paramref name="objectKey"/> whole, or null when there is none.</summary>
    private async Task<Stream?> ReadWholeAsync(string key, string objectKey, CancellationToken cancellationToken)
    {
        return await GuardAsync(key, async () =>
        {
            GetObjectResponse response;
            try
            {
                response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = objectKey }, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
            {
                return null;
            }

            try
            {
                using (response)
                {
                    return response.ContentLength <= _options.PartSize
                        ? await ReadSmallAsync(key, response, cancellationToken).ConfigureAwait(false)
                        : await ReadLargeAsync(key, objectKey, response, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or AmazonClientException)
            {
                // A body that ends early or fails the SDK's MD5 check: read again (ReadAgain).
                throw new StorageException(key, $"{Location}: '{key}' could not be read whole ({e.Message}); it was being replaced or the connection broke, {ReadTries} times in a row.", e);
            }
        }).ConfigureAwait(false);
    }

    private Task<bool> GuardAsync(string key, Func<Task> action) => GuardAsync(key, async () =>
    {
        await action().ConfigureAwait(false);
        return true;
    });

    /// <summary>Turns the SDK's failures to reach or use the bucket into a message that names the storage and what to check.</summary>
    private async Task<T> GuardAsync<T>(string key, Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode != HttpStatusCode.NotFound || e.ErrorCode == "NoSuchBucket")
        {
            var hint = e.ErrorCode switch
            {
                "NoSuchBucket" => "create the bucket or fix storage.bucket in the dstack config",
                "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" =>
                    "check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws/credentials) and their permissions on the bucket",
                _ => "check storage.bucket, storage.region and storage.endpoint in the dstack config",
            };
            throw new StorageUnavailableException(Location, $"{Location}: {e.ErrorCode ?? e.StatusCode.ToString()} on '{key}': {e.Message} ({hint}).", e);
        }
        catch (AmazonClientException e)
        {
            throw new StorageUnavailableException(Location, $"{Location}: {e.Message} (check the AWS credentials and storage.region / storage.endpoint in the dstack config).", e);
        }
        catch (HttpRequestException e)
        {
            throw new StorageUnavailableException(Location, $"{Location} did not answer: {e.Message}.", e);
        }
    }
}
