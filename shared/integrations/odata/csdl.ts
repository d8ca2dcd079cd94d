import { entitySets, type FeedEntitySet } from './feed-model.js';

export const namespace = 'EquipManSys';

const escapeXml = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function entityTypeXml(set: FeedEntitySet): string {
  const properties = set.properties.map((property) => `<Property Name="${property.name}" Type="${property.type}" Nullable="${property.nullable}"/>`);
  const navigations = set.navigations.map((navigation) => {
    const target = entitySets.find((candidate) => candidate.name === navigation.target)!;
    return `<NavigationProperty Name="${navigation.name}" Type="${namespace}.${target.entityType}"><ReferentialConstraint Property="${navigation.via}" ReferencedProperty="${target.key}"/></NavigationProperty>`;
  });
  return `<EntityType Name="${set.entityType}"><Key><PropertyRef Name="${set.key}"/></Key>${[...properties, ...navigations].join('')}</EntityType>`;
}

/** The service's CSDL ($metadata), which Power BI and Excel read to type every column. */
export function metadataXml(): string {
  const types = entitySets.map(entityTypeXml).join('');
  const sets = entitySets
    .map((set) => {
      const bindings = set.navigations
        .map((navigation) => `<NavigationPropertyBinding Path="${navigation.name}" Target="${escapeXml(navigation.target)}"/>`)
        .join('');
      return `<EntitySet Name="${set.name}" EntityType="${namespace}.${set.entityType}">${bindings}</EntitySet>`;
    })
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">' +
    '<edmx:DataServices>' +
    `<Schema Namespace="${namespace}" xmlns="http://docs.oasis-open.org/odata/ns/edm">` +
    types +
    `<EntityContainer Name="Container">${sets}</EntityContainer>` +
    '</Schema></edmx:DataServices></edmx:Edmx>'
  );
}

/** The service document: every entity set and its address relative to the service root. */
export function serviceDocument(serviceRoot: string): { '@odata.context': string; value: { name: string; kind: 'EntitySet'; url: string }[] } {
  return { '@odata.context': `${serviceRoot}$metadata`, value: entitySets.map((set) => ({ name: set.name, kind: 'EntitySet', url: set.name })) };
}
