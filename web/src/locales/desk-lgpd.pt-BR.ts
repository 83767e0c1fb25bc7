// The dashboard's LGPD page (/painel/lgpd: export, anonymise, the audit),
// spread into the desk section of desk.pt-BR.ts. Keep every key in
// desk-lgpd.en.ts too.
const lgpdPtBR = {
  lgpd: {
    nav: 'LGPD',
    title: 'LGPD: dados dos clientes',
    intro: 'Atenda aos pedidos dos titulares (Lei 13.709/2018): exporte tudo o que o Balcão guarda sobre um cliente ou anonimize-o. Cada pedido fica registrado na auditoria abaixo, com quem pediu e o motivo.',
    person: 'Endereço do cliente',
    personHelp: 'O e-mail ou o WhatsApp (whatsapp:+5511…) com que ele fala com o suporte.',
    reason: 'Motivo',
    reasonHelp: 'Por exemplo: pedido do titular por e-mail, protocolo 2026-123. Fica na auditoria.',
    export: {
      title: 'Exportar os dados de um cliente',
      text: 'Um arquivo .zip com o cadastro, os chamados com todas as mensagens e anexos, as notificações enviadas, as conversas com o assistente e a conta do portal. Envie-o ao titular por um canal seguro.',
      submit: 'Baixar a exportação',
      busy: 'Preparando o arquivo…',
      done: 'A exportação foi registrada e o download começou.',
    },
    erase: {
      title: 'Anonimizar um cliente',
      warning: 'Atenção: a anonimização não pode ser desfeita. Nome, endereços, telefones, CPF, textos e anexos do cliente somem de todos os serviços e a conta dele no portal é apagada. Os chamados continuam, sem esses dados, para os relatórios.',
      confirm: 'Digite de novo o endereço do cliente para confirmar',
      confirmHelp: 'Igual ao que você digitou acima.',
      mismatch: 'Para anonimizar, digite de novo o endereço do cliente, exatamente igual ao de cima.',
      submit: 'Anonimizar para sempre',
      done: 'Anonimizado ({id}): {tickets} chamado(s) e {messages} mensagem(ns). Os outros serviços apagam o que guardam em seguida.',
      already: 'Nada de novo a anonimizar: esse cliente já tinha sido anonimizado ({id}).',
    },
    needPerson: 'Informe o endereço do cliente.',
    needReason: 'Diga o motivo do pedido: ele fica na auditoria.',
    audit: {
      title: 'Auditoria',
      intro: 'Exportações e anonimizações, das mais recentes para as mais antigas, com quem pediu e o motivo. Nos pedidos feitos pelo portal, quem pediu é o próprio cliente.',
      empty: 'Nenhuma exportação ou anonimização registrada até agora.',
      failed: 'Não foi possível carregar a auditoria.',
      col: {
        id: 'Registro',
        kind: 'Tipo',
        when: 'Quando',
        by: 'Pedido por',
        reason: 'Motivo',
        tickets: 'Chamados',
      },
      kind: {
        export: 'Exportação',
        erase: 'Anonimização',
      },
      trigger: {
        portal: 'pelo portal',
        retention: 'pela retenção',
      },
      system: 'o sistema',
    },
  },
};

export default lgpdPtBR;
