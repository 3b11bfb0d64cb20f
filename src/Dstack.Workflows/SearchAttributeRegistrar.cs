using Temporalio.Api.OperatorService.V1;
using Temporalio.Client;

namespace Dstack.Workflows;

/// <summary>Registers dstack's search attributes through the Operator API the first time a namespace is used.</summary>
public static class SearchAttributeRegistrar
{
    public static async Task EnsureRegisteredAsync(ITemporalClient client, string ns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var options = new RpcOptions { CancellationToken = cancellationToken };
        var existing = await client.Connection.OperatorService.ListSearchAttributesAsync(new ListSearchAttributesRequest { Namespace = ns }, options).ConfigureAwait(false);
        var request = new AddSearchAttributesRequest { Namespace = ns };
        foreach (var key in DstackSearchAttributes.All.Where(k => !existing.CustomAttributes.ContainsKey(k.Name)))
        {
            request.SearchAttributes[key.Name] = key.ValueType;
        }

        if (request.SearchAttributes.Count > 0)
        {
            await client.Connection.OperatorService.AddSearchAttributesAsync(request, options).ConfigureAwait(false);
        }
    }
}
