package io.lbsync.consulsim;

import java.util.Map;

/** A node row of the catalog. {@code id} is the agent's node UUID ("" for nodes registered via the catalog API). */
record CatalogNode(String name, String id, String address, String datacenter,
                   Map<String, String> taggedAddresses, Map<String, String> meta,
                   long createIndex, long modifyIndex) {

    CatalogNode {
        taggedAddresses = taggedAddresses == null ? null : ConsulJson.sorted(taggedAddresses);
        meta = ConsulJson.sorted(meta);
    }

    boolean sameAs(CatalogNode o) {
        return name.equals(o.name) && id.equals(o.id) && address.equals(o.address) && datacenter.equals(o.datacenter)
                && java.util.Objects.equals(taggedAddresses, o.taggedAddresses) && meta.equals(o.meta);
    }

    CatalogNode withIndexes(long create, long modify) {
        return new CatalogNode(name, id, address, datacenter, taggedAddresses, meta, create, modify);
    }
}
