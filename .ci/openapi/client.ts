// Typed calls against the types openapi-typescript generates from the CRM sample's served
// /api/openapi.json (`schema.d.ts`, made by .ci/openapi.sh beside this file). When the document
// loses the contacts list, its envelope, a field, an operation id or a select's options, this
// stops compiling.
import type { components, operations, paths } from "./schema";

type ContactPage =
  paths["/api/tables/contacts/records"]["get"]["responses"]["200"]["content"]["application/json"];

/** The names on a page of contacts; a name left out by `fields` is empty. */
export function contactNames(page: ContactPage): string[] {
  return page.data.map((contact) => {
    const first: string = contact.first_name ?? "";
    const last: string = contact.last_name ?? "";
    return `${first} ${last}`.trim();
  });
}

/** Whether another page follows. */
export function hasMore(page: ContactPage): boolean {
  return page.pagination.hasNext;
}

/** The operation id names the same answer. */
export function byOperationId(
  page: operations["listContacts"]["responses"]["200"]["content"]["application/json"],
): ContactPage {
  return page;
}

/** A contact to create: the required fields, and a lifecycle stage among the config's options. */
export const draft: components["schemas"]["contactsCreate"] = {
  first_name: "Ada",
  last_name: "Lovelace",
  email: "ada@example.com",
  lifecycle_stage: "lead",
};

/** The types are the document's, not `any`: a field it does not have is an error. */
export function unknownField(page: ContactPage): unknown {
  // @ts-expect-error: contacts have no `shoe_size`
  return page.data[0]?.shoe_size;
}

/** ... and so is a stage the config does not offer. */
export const wrongStage: components["schemas"]["contactsCreate"] = {
  ...draft,
  // @ts-expect-error: `retired` is not a lifecycle stage
  lifecycle_stage: "retired",
};
