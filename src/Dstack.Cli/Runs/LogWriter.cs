using System.Text;

namespace Dstack.Cli.Runs;

/// <summary>
/// Writes a job's raw output as it arrives in chunks. A chunk may end in the middle of a UTF-8 character; the decoder
/// keeps the first half until the next chunk (or the final flush) completes it.
/// </summary>
internal sealed class LogWriter(TextWriter writer)
{
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetDecoder();

    public async Task WriteAsync(byte[] data, bool flush)
    {
        var chars = new char[_decoder.GetCharCount(data, flush)];
        var count = _decoder.GetChars(data, chars, flush);
        await writer.WriteAsync(chars.AsMemory(0, count));
        await writer.FlushAsync();
    }
}
