using System.Globalization;
using System.Text.Json.Nodes;

namespace Dstack.Testing.Aws;

/// <summary>
/// Small EC2 offer files in the format of AWS's Price List Bulk API (<c>/offers/v1.0/aws/AmazonEC2/current/REGION/index.json</c>):
/// <c>products</c> by SKU with their attributes, <c>terms.OnDemand</c> and <c>terms.Reserved</c> by SKU, then term
/// (<c>SKU.JRTCKXETXF</c>), then price dimension (<c>SKU.JRTCKXETXF.6YS6EN2CT7</c>). Each type priced here also gets the
/// products a real file has beside it, at other prices, that dstack must not take: Windows, RHEL, dedicated tenancy, SQL
/// pre-installed, an unused capacity reservation, and a reserved term.
/// </summary>
public static class PriceListFiles
{
    public static string Build(string region, params (string Type, string Price)[] linuxPrices)
    {
        var products = new JsonObject();
        var onDemand = new JsonObject();
        var reserved = new JsonObject();
        var n = 0;
        foreach (var (type, price) in linuxPrices)
        {
            void Add(string os, string tenancy, string software, string capacity, string operation, string usd)
            {
                var sku = string.Create(CultureInfo.InvariantCulture, $"SKU{++n:D4}{type.Replace(".", string.Empty, StringComparison.Ordinal).ToUpperInvariant()}");
                products[sku] = new JsonObject
                {
                    ["sku"] = sku,
                    ["productFamily"] = "Compute Instance",
                    ["attributes"] = new JsonObject
                    {
                        ["servicecode"] = "AmazonEC2",
                        ["location"] = region == "us-east-1" ? "US East (N. Virginia)" : "US West (Oregon)",
                        ["locationType"] = "AWS Region",
                        ["instanceType"] = type,
                        ["currentGeneration"] = "Yes",
                        ["vcpu"] = "2",
                        ["memory"] = "1 GiB",
                        ["tenancy"] = tenancy,
                        ["operatingSystem"] = os,
                        ["licenseModel"] = "No License required",
                        ["usagetype"] = $"BoxUsage:{type}",
                        ["operation"] = operation,
                        ["capacitystatus"] = capacity,
                        ["preInstalledSw"] = software,
                        ["regionCode"] = region,
                        ["servicename"] = "Amazon Elastic Compute Cloud",
                    },
                };
                onDemand[sku] = new JsonObject
                {
                    [$"{sku}.JRTCKXETXF"] = new JsonObject
                    {
                        ["offerTermCode"] = "JRTCKXETXF",
                        ["sku"] = sku,
                        ["effectiveDate"] = "2026-11-01T00:00:00Z",
                        ["priceDimensions"] = new JsonObject
                        {
                            [$"{sku}.JRTCKXETXF.6YS6EN2CT7"] = new JsonObject
                            {
                                ["rateCode"] = $"{sku}.JRTCKXETXF.6YS6EN2CT7",
                                ["description"] = $"${usd} per On Demand {os} {type} Instance Hour",
                                ["beginRange"] = "0",
                                ["endRange"] = "Inf",
                                ["unit"] = "Hrs",
                                ["pricePerUnit"] = new JsonObject { ["USD"] = usd },
                                ["appliesTo"] = new JsonArray(),
                            },
                        },
                        ["termAttributes"] = new JsonObject(),
                    },
                };
                reserved[sku] = new JsonObject
                {
                    [$"{sku}.4NA7Y494T4"] = new JsonObject
                    {
                        ["offerTermCode"] = "4NA7Y494T4",
                        ["sku"] = sku,
                        ["priceDimensions"] = new JsonObject
                        {
                            [$"{sku}.4NA7Y494T4.6YS6EN2CT7"] = new JsonObject
                            {
                                ["unit"] = "Hrs",
                                ["pricePerUnit"] = new JsonObject { ["USD"] = "0.0010000000" },
                            },
                        },
                        ["termAttributes"] = new JsonObject { ["LeaseContractLength"] = "1yr", ["PurchaseOption"] = "No Upfront" },
                    },
                };
            }

            Add("Windows", "Shared", "NA", "Used", "RunInstances:0002", "9.0000000000");
            Add("RHEL", "Shared", "NA", "Used", "RunInstances:0010", "8.0000000000");
            Add("Linux", "Dedicated", "NA", "Used", "RunInstances", "7.0000000000");
            Add("Linux", "Shared", "SQL Web", "Used", "RunInstances:0200", "6.0000000000");
            Add("Linux", "Shared", "NA", "UnusedCapacityReservation", "RunInstances", "5.0000000000");
            Add("Linux", "Shared", "NA", "Used", "RunInstances", price);
        }

        return new JsonObject
        {
            ["formatVersion"] = "v1.0",
            ["disclaimer"] = "This pricing list is for informational purposes only.",
            ["offerCode"] = "AmazonEC2",
            ["version"] = "20261101000000",
            ["publicationDate"] = "2026-11-01T00:00:00Z",
            ["products"] = products,
            ["terms"] = new JsonObject { ["OnDemand"] = onDemand, ["Reserved"] = reserved },
        }.ToJsonString();
    }
}
