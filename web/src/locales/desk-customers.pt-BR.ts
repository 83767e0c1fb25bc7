// The customers page (/painel/clientes) and the CPF/CNPJ column (pt-BR),
// spread into the desk section of desk.pt-BR.ts. Keep every key in
// desk-customers.en.ts too.
const customersPtBR = {
  customers: {
    nav: 'Clientes',
    title: 'Clientes',
    search: 'Buscar por nome, e-mail, telefone, CPF ou CNPJ',
    searchHelp: 'Com ou sem pontuação: 529.982.247-25 ou 52998224725; o começo do número basta.',
    submit: 'Buscar',
    list: 'Clientes encontrados',
    none: 'Nenhum cliente encontrado.',
    col: {
      name: 'Nome',
      id: 'Endereço',
      organization: 'Organização',
      phone: 'Telefone',
      taxId: 'CPF/CNPJ',
    },
    kind: { cpf: 'CPF', cnpj: 'CNPJ' },
  },
};

export default customersPtBR;
