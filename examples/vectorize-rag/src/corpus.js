// A tiny help-centre corpus with precomputed embeddings. Until env.AI can embed text, the
// vectors are written by hand over eight topics:
//   [shipping, delivery time, returns, refunds/money, account, security, billing, international]
export const documents = [
  { id: "shipping-times", text: "Orders ship within 2 business days and arrive in 3 to 5 days.", section: "shipping",
    values: [0.9, 0.8, 0, 0, 0, 0, 0, 0.1] },
  { id: "international", text: "International orders arrive in 7 to 14 days; duties are paid on delivery.", section: "shipping",
    values: [0.7, 0.6, 0, 0, 0, 0, 0.2, 0.9] },
  { id: "returns", text: "Return any item within 30 days with the prepaid label in the box.", section: "returns",
    values: [0.2, 0, 0.9, 0.4, 0, 0, 0, 0] },
  { id: "refunds", text: "Refunds reach your card 5 to 10 days after we receive the return.", section: "returns",
    values: [0, 0.1, 0.6, 0.9, 0, 0, 0.3, 0] },
  { id: "password-reset", text: "Reset your password from the sign-in page with the link we email you.", section: "account",
    values: [0, 0, 0, 0, 0.9, 0.6, 0, 0] },
  { id: "two-factor", text: "Turn on two-factor authentication under Account > Security.", section: "account",
    values: [0, 0, 0, 0, 0.5, 0.9, 0, 0] },
  { id: "invoices", text: "Invoices for every order are under Account > Billing.", section: "billing",
    values: [0, 0, 0, 0.2, 0.4, 0, 0.9, 0] },
];

// Questions with their precomputed embeddings, standing in for env.AI.run(embedding model).
export const questions = {
  "when will my order arrive": [0.8, 0.9, 0, 0, 0, 0, 0, 0],
  "how do i get my money back": [0, 0, 0.7, 0.8, 0, 0, 0.1, 0],
  "i forgot my password": [0, 0, 0, 0, 0.9, 0.5, 0, 0],
  "shipping to canada": [0.6, 0.5, 0, 0, 0, 0, 0, 0.9],
};
