using System.Text;
using Dstack.Cli.DevEnvironments;

namespace Dstack.Cli.Runs;

/// <summary>
/// Writes a job's raw output as it arrives in chunks. A chunk may end in the middle of a UTF-8 character; the decoder
/// keeps the first half until the next chunk (or the final flush) completes it.
/// </summary>
/// <remarks>
/// For a run that serves ports, <see cref="LocalPorts"/> is set: output then goes out by whole lines, with the addresses
/// of the job's ports rewritten to the forwarded ones (<see cref="LocalUrls"/>). Until the ports are forwarded
/// (<see cref="HoldLocalUrls"/>), output stops before the first line with such an address, so that no address is shown
/// that does not work here.
/// </remarks>
internal sealed class LogWriter(TextWriter writer)
{
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetDecoder();
    private readonly StringBuilder _pending = new();

    /// <summary>Gets or sets instance port → local port; null writes the output as it comes.</summary>
    public IReadOnlyDictionary<int, int>? LocalPorts { get; set; }

    /// <summary>Gets or sets whether lines with the address of a job's port wait (the ports are not forwarded yet).</summary>
    public bool HoldLocalUrls { get; set; }

    public async Task WriteAsync(byte[] data, bool flush)
    {
        var chars = new char[_decoder.GetCharCount(data, flush)];
        var count = _decoder.GetChars(data, chars, flush);
        if (LocalPorts is null && !HoldLocalUrls && _pending.Length == 0)
        {
            await writer.WriteAsync(chars.AsMemory(0, count));
            await writer.FlushAsync();
            return;
        }

        _pending.Append(chars, 0, count);
        await ReleaseAsync(flush);
    }

    /// <summary>Writes what may go out now (everything when <paramref name="flush"/>).</summary>
    public async Task ReleaseAsync(bool flush = false)
    {
        var text = _pending.ToString();
        var end = flush ? text.Length : text.LastIndexOf('\n') + 1;
        if (!flush && HoldLocalUrls && end > 0 && LocalUrls.Find(text, 0, end) is var held and >= 0)
        {
            end = held == 0 ? 0 : text.LastIndexOf('\n', held - 1) + 1;
        }

        if (end > 0)
        {
            await writer.WriteAsync(LocalUrls.Rewrite(text[..end], LocalPorts ?? new Dictionary<int, int>()));
            await writer.FlushAsync();
            _pending.Remove(0, end);
        }
    }
}
