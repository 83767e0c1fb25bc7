// The customers page (/painel/clientes) and the CPF/CNPJ column (English),
// spread into the desk section of desk.en.ts. Keep every key in
// desk-customers.pt-BR.ts too.
const customersEn = {
  customers: {
    nav: 'Customers',
    title: 'Customers',
    search: 'Search by name, e-mail, phone, CPF or CNPJ',
    searchHelp: 'With or without punctuation: 529.982.247-25 or 52998224725; the start of the number is enough.',
    submit: 'Search',
    list: 'Customers found',
    none: 'No customer found.',
    col: {
      name: 'Name',
      id: 'Address',
      organization: 'Organization',
      phone: 'Phone',
      taxId: 'CPF/CNPJ',
    },
    kind: { cpf: 'CPF', cnpj: 'CNPJ' },
  },
};

export default customersEn;
